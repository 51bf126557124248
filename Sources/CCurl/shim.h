#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic; Swift needs typed entry points.
static inline CURLcode fazt_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fazt_curl_set_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fazt_curl_set_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fazt_curl_set_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fazt_curl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

typedef size_t (*fazt_curl_data_cb)(char *, size_t, size_t, void *);
typedef int (*fazt_curl_progress_cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
static inline CURLcode fazt_curl_set_data_cb(CURL *h, CURLoption o, fazt_curl_data_cb cb) { return curl_easy_setopt(h, o, cb); }
static inline CURLcode fazt_curl_set_progress_cb(CURL *h, fazt_curl_progress_cb cb) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb);
}

typedef curl_socket_t (*fazt_curl_opensocket_cb)(void *, curlsocktype, struct curl_sockaddr *);
static inline CURLcode fazt_curl_set_opensocket_cb(CURL *h, fazt_curl_opensocket_cb cb) {
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, cb);
}
static inline curl_socket_t fazt_curl_socket_bad(void) { return CURL_SOCKET_BAD; }

typedef int (*fazt_curl_prereq_cb)(void *, char *, char *, int, int);
static inline CURLcode fazt_curl_set_prereq_cb(CURL *h, fazt_curl_prereq_cb cb) {
    return curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, cb);
}
static inline CURLcode fazt_curl_get_effective_url(CURL *h, char **url) { return curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, url); }

#include <stdio.h>
#include <string.h>
// Copies the value of field `name` (e.g. "Expire date") of certificate `index` of the chain the
// last transfer saw (CURLOPT_CERTINFO) into `out`; 0 when found.
static inline int fazt_curl_cert_field(CURL *h, int index, const char *name, char *out, size_t size) {
    struct curl_certinfo *info = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &info) != CURLE_OK || !info || index >= info->num_of_certs) return -1;
    size_t length = strlen(name);
    for (struct curl_slist *item = info->certinfo[index]; item; item = item->next) {
        if (strncmp(item->data, name, length) == 0 && item->data[length] == ':') {
            snprintf(out, size, "%s", item->data + length + 1);
            return 0;
        }
    }
    return -1;
}
