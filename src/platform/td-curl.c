/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "td-curl.h"
#include "td-dl.h"
#include "td-util.h"

/* The soname of libcurl 7 and 8 (one ABI); the -dev package's libcurl.so may be absent. */
#define LIBCURL_SONAME "libcurl.so.4"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static TdCurl curl;
static int load_status = -ENOENT;

static void load(void) {
        static const TdDlSymbol symbols[] = {
                { "curl_easy_init", offsetof(TdCurl, easy_init) },
                { "curl_easy_setopt", offsetof(TdCurl, easy_setopt) },
                { "curl_easy_perform", offsetof(TdCurl, easy_perform) },
                { "curl_easy_getinfo", offsetof(TdCurl, easy_getinfo) },
                { "curl_easy_cleanup", offsetof(TdCurl, easy_cleanup) },
                { "curl_easy_strerror", offsetof(TdCurl, easy_strerror) },
                { "curl_url", offsetof(TdCurl, url) },
                { "curl_url_set", offsetof(TdCurl, url_set) },
                { "curl_url_get", offsetof(TdCurl, url_get) },
                { "curl_url_cleanup", offsetof(TdCurl, url_cleanup) },
                { "curl_free", offsetof(TdCurl, free) },
                { "curl_version_info", offsetof(TdCurl, version_info) },
                { "curl_global_init", offsetof(TdCurl, global_init) },
        };
        void *lib;
        /* An older libcurl without the URL API is as good as none: no network checks. */
        if (td_dl_load(LIBCURL_SONAME, symbols, ELEMENTSOF(symbols), &curl, &lib) < 0)
                return;
        /*
         * Here rather than in main(): libcurl ≥ 7.84 initialises thread-safely over OpenSSL 3, and
         * pthread_once keeps two first probes from racing each other.
         */
        load_status = curl.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

int td_curl_get(const TdCurl **ret) {
        pthread_once(&once, load);
        if (load_status < 0)
                return load_status;
        *ret = &curl;
        return 0;
}
