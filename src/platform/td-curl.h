/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libcurl, loaded when the first HTTP probe needs it. libcurl brings some thirty libraries
 * (TLS, Kerberos, LDAP, SSH, compression); mapping them costs milliseconds at every start of
 * tokendoctor, also for runs that never go on the network (the token checks, `cert`, `watch`).
 */
#pragma once

#include <curl/curl.h>

typedef struct {
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_perform)(CURL *curl);
        CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
        void (*easy_cleanup)(CURL *curl);
        const char *(*easy_strerror)(CURLcode code);
        CURLU *(*url)(void);
        CURLUcode (*url_set)(CURLU *u, CURLUPart part, const char *content, unsigned flags);
        CURLUcode (*url_get)(const CURLU *u, CURLUPart part, char **ret, unsigned flags);
        void (*url_cleanup)(CURLU *u);
        void (*free)(void *p);
        curl_version_info_data *(*version_info)(CURLversion version);
        CURLcode (*global_init)(long flags); /* called by td_curl_get() itself */
} TdCurl;

/*
 * libcurl's functions, loaded and globally initialised once per process (thread-safe: the
 * first caller does it, later callers wait). 0 and *@ret (static), or -ENOENT when libcurl
 * cannot be loaded and -EIO when it cannot be initialised; the same answer every time.
 */
int td_curl_get(const TdCurl **ret);
