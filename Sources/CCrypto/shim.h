#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>

// EVP_CIPHER_CTX_ctrl's control codes are macros; give Swift plain constants.
static const int FAZT_EVP_CTRL_GCM_SET_IVLEN = EVP_CTRL_GCM_SET_IVLEN;
static const int FAZT_EVP_CTRL_GCM_GET_TAG = EVP_CTRL_GCM_GET_TAG;
static const int FAZT_EVP_CTRL_GCM_SET_TAG = EVP_CTRL_GCM_SET_TAG;
