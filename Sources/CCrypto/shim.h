#include <string.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>

// EVP_CIPHER_CTX_ctrl's control codes are macros; give Swift plain constants.
static const int FAZT_EVP_CTRL_GCM_SET_IVLEN = EVP_CTRL_GCM_SET_IVLEN;
static const int FAZT_EVP_CTRL_GCM_GET_TAG = EVP_CTRL_GCM_GET_TAG;
static const int FAZT_EVP_CTRL_GCM_SET_TAG = EVP_CTRL_GCM_SET_TAG;

// Keys for signing and verifying (`SigningKey` in FaztKernel).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>

static const int FAZT_EVP_PKEY_RSA = EVP_PKEY_RSA;
static const int FAZT_EVP_PKEY_EC = EVP_PKEY_EC;

// A passphrase callback that gives none: an encrypted PEM key fails to load instead of prompting
// on the terminal (OpenSSL's default callback reads the tty).
static int fazt_no_passphrase(char *buffer, int size, int rwflag, void *userdata) {
    (void)buffer; (void)size; (void)rwflag; (void)userdata;
    return 0;
}

// The private key in PEM text (PKCS#8, or traditional RSA/EC), or NULL.
static inline EVP_PKEY *fazt_read_private_key(const void *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, fazt_no_passphrase, NULL);
    BIO_free(bio);
    return key;
}

// The public key in PEM text (SubjectPublicKeyInfo, `BEGIN PUBLIC KEY`), or NULL.
static inline EVP_PKEY *fazt_read_public_key(const void *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (bio == NULL) return NULL;
    EVP_PKEY *key = PEM_read_bio_PUBKEY(bio, NULL, fazt_no_passphrase, NULL);
    BIO_free(bio);
    return key;
}

// The public key of the certificate in PEM text (`BEGIN CERTIFICATE`), or NULL.
static inline EVP_PKEY *fazt_read_certificate_key(const void *pem, int length) {
    BIO *bio = BIO_new_mem_buf(pem, length);
    if (bio == NULL) return NULL;
    X509 *certificate = PEM_read_bio_X509(bio, NULL, fazt_no_passphrase, NULL);
    BIO_free(bio);
    if (certificate == NULL) return NULL;
    EVP_PKEY *key = X509_get_pubkey(certificate);
    X509_free(certificate);
    return key;
}

// ACME (FaztTLS): P-256 keys made here, their PEM and public point.
#include <openssl/x509.h>

// A new EC key on P-256, or NULL (EVP_EC_gen is a variadic macro).
static inline EVP_PKEY *fazt_ec_p256_generate(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

// The private key as PKCS#8 PEM into `out` (at most `capacity` bytes); its length, or -1.
static inline int fazt_private_key_pem(EVP_PKEY *key, char *out, int capacity) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return -1;
    int length = -1;
    if (PEM_write_bio_PKCS8PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data = NULL;
        long size = BIO_get_mem_data(bio, &data);
        if (size > 0 && size <= capacity) {
            memcpy(out, data, (size_t)size);
            length = (int)size;
        }
    }
    BIO_free(bio);
    return length;
}
