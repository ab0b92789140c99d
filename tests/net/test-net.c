/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * net.platform, time.clock and platform.helper against real HTTPS servers on 127.0.0.1, with a test CA made
 * at run time. Runs inside tests/rig/netns-run: a private network namespace with only
 * loopback, so the DNS test cannot send a query off the machine.
 *
 * Environment: TD_MKCERT and TD_HTTPS_SERVER name the rig programs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "platform/td-http.h"
#include "td-util.h"
#include "tokendoctor/td-check.h"
#include "tokendoctor/td-registry.h"
#include "tokendoctor/td-context.h"
#include "tokendoctor/td-profile.h"
#include "tokendoctor/td-result.h"

/* ---- pure functions of the adapter ------------------------------------------------------ */

static void test_cause_table(void **state) {
        static const struct {
                CURLcode code;
                const char *cause;
        } cases[] = {
                { CURLE_OK, NULL },
                { CURLE_COULDNT_RESOLVE_HOST, "net.dns" },
                { CURLE_COULDNT_RESOLVE_PROXY, "net.dns" },
                { CURLE_COULDNT_CONNECT, "net.connect" },
                { CURLE_SSL_CONNECT_ERROR, "net.tls" },
                { CURLE_PEER_FAILED_VERIFICATION, "net.tls" },
                { CURLE_SSL_CACERT_BADFILE, "net.tls" },
                { CURLE_SSL_CERTPROBLEM, "net.tls" },
                { CURLE_SSL_CIPHER, "net.tls" },
                { CURLE_OPERATION_TIMEDOUT, "net.timeout" },
                { CURLE_GOT_NOTHING, "net.http" },
                { CURLE_RECV_ERROR, "net.http" },
                { CURLE_SEND_ERROR, "net.http" },
                { CURLE_HTTP_RETURNED_ERROR, "net.http" },
                { CURLE_WEIRD_SERVER_REPLY, "net.http" },
                { CURLE_OUT_OF_MEMORY, "net.connect" }, /* the default */
                { (CURLcode) 9999, "net.connect" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *got = td_http_cause_from_curl((int) cases[i].code);
                if (!streq_ptr(got, cases[i].cause))
                        fail_msg("CURLcode %d: got %s, want %s", (int) cases[i].code, got ? got : "NULL",
                                 cases[i].cause ? cases[i].cause : "NULL");
        }
}

static void test_redact(void **state) {
        static const char *const cases[][2] = {
                { "http://user:secret@127.0.0.1:3128", "http://***@127.0.0.1:3128" },
                { "http://user@proxy:8080/", "http://***@proxy:8080/" },
                { "socks5h://u:p@ss@proxy:1080", "socks5h://***@proxy:1080" }, /* '@' in the password */
                { "u:p@proxy:3128", "***@proxy:3128" },                        /* no scheme */
                { "http://127.0.0.1:3128", "http://127.0.0.1:3128" },
                { "http://proxy/path@not-user-info", "http://proxy/path@not-user-info" },
                { "http://proxy?q=a@b", "http://proxy?q=a@b" },
                { "", "" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *r = td_http_redact_url(cases[i][0]);
                assert_non_null(r);
                assert_string_equal(r, cases[i][1]);
        }
}

/* The proxy rules read the context's snapshot of the environment, in libcurl's order. */
static void test_proxy_for(void **state) {
        static const char *const vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy",
                                            "ALL_PROXY",  "no_proxy",    "NO_PROXY" };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                unsetenv(vars[i]);
        setenv("HTTPS_PROXY", "http://upper:3128", 1);
        setenv("all_proxy", "http://all:3128", 1);
        setenv("no_proxy", ".internal.example", 1);
        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        setenv("https_proxy", "http://later:3128", 1); /* after the snapshot: not seen */
        assert_string_equal(td_http_proxy_for(ctx, "https", "platform.example"), "http://upper:3128");
        assert_string_equal(td_http_proxy_for(ctx, "http", "platform.example"), "http://all:3128");
        assert_null(td_http_proxy_for(ctx, "https", "a.internal.example"));
        /* Without a context the process environment counts. */
        assert_string_equal(td_http_proxy_for(NULL, "https", "platform.example"), "http://later:3128");
        td_context_unref(ctx);
        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                unsetenv(vars[i]);
}

static void test_no_proxy(void **state) {
        static const struct {
                const char *host, *list;
                bool match;
        } cases[] = {
                { "example.com", "*", true },
                { "example.com", " * ", true },
                { "example.com", "example.com", true },
                { "www.example.com", "example.com", true },
                { "www.example.com", ".example.com", true },
                { "WWW.Example.COM", "example.com", true },
                { "example.com.", "example.com", true },
                { "badexample.com", "example.com", false },
                { "example.com", "www.example.com", false },
                { "example.org", "example.com,localhost", false },
                { "localhost", "example.com, localhost", true },
                { "localhost", "example.com localhost", true },
                { "127.0.0.1", "127.0.0.1", true },
                { "127.0.0.1", "127.0.0.0/8", true },
                { "127.1.2.3", "127.0.0.0/8", true },
                { "128.0.0.1", "127.0.0.0/8", false },
                { "10.1.2.3", "10.1.2.3/32", true },
                { "10.1.2.4", "10.1.2.3/32", false },
                { "10.1.2.3", "10.1.2.3/33", false },
                { "10.1.2.3", "10.0.0.0/", false },
                { "10.1.2.3", "10.0.0.0/x", false },
                { "10.1.2.3", "0.0.0.0/0", true },
                { "::1", "::1", true },
                { "[::1]", "::1", true },
                { "::1", "[::1]", true },
                { "fd00::5", "fd00::/8", true },
                { "fe80::1", "fd00::/8", false },
                { "::1", "127.0.0.1", false },
                { "127.0.0.1", "localhost", false }, /* addresses are not names */
                { "example.com", "", false },
                { "example.com", ",,, ", false },
                { "example.com", ".", false },
                { "", "*", false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (td_http_no_proxy_match(cases[i].host, cases[i].list) != cases[i].match)
                        fail_msg("host '%s' no_proxy '%s': want %s", cases[i].host, cases[i].list,
                                 cases[i].match ? "match" : "no match");
}

static void test_url_check(void **state) {
        assert_int_equal(td_http_url_check("https://127.0.0.1:8443/path?q=1"), 0);
        assert_int_equal(td_http_url_check("http://example.com"), 0);
        assert_int_equal(td_http_url_check("HTTPS://EXAMPLE.COM/"), 0);
        assert_int_equal(td_http_url_check("ftp://example.com/"), -EINVAL);
        assert_int_equal(td_http_url_check("file:///etc/passwd"), -EINVAL);
        assert_int_equal(td_http_url_check("example.com"), -EINVAL);
        assert_int_equal(td_http_url_check("https://"), -EINVAL);
        assert_int_equal(td_http_url_check("https://exa mple.com/"), -EINVAL);
        assert_int_equal(td_http_url_check(""), -EINVAL);
        assert_int_equal(td_http_url_check(NULL), -EINVAL);

        TdHttpProbe *p = NULL;
        assert_int_equal(td_http_probe("ftp://127.0.0.1/", NULL, &p), -EINVAL);
        assert_null(p);
}

static void test_stage_names(void **state) {
        assert_string_equal(td_http_stage_to_string(TD_HTTP_STAGE_DNS), "dns");
        assert_string_equal(td_http_stage_to_string(TD_HTTP_STAGE_CONNECT), "connect");
        assert_string_equal(td_http_stage_to_string(TD_HTTP_STAGE_TLS), "tls");
        assert_string_equal(td_http_stage_to_string(TD_HTTP_STAGE_HTTP), "http");
        assert_null(td_http_stage_to_string(_TD_HTTP_STAGE_MAX));
        assert_null(td_http_stage_to_string(_TD_HTTP_STAGE_INVALID));
}

/* ---- the servers ---------------------------------------------------------------------- */

typedef struct {
        pid_t pid;
        unsigned port;
        char url[64];
} Server;

static struct {
        char dir[64];
        char ca[128], ca_untrusted[128];
        char cert[128], key[128], cert_untrusted[128], key_untrusted[128];
        Server ok, ahead_2h, behind_10m, ahead_60s, untrusted, hang, status503, no_date, redirect, big_body;
        unsigned closed_port;
        char closed_url[64];
} F;

static Server *all_servers[] = {
        &F.ok,   &F.ahead_2h,  &F.behind_10m, &F.ahead_60s, &F.untrusted,
        &F.hang, &F.status503, &F.no_date,    &F.redirect,  &F.big_body,
};

static const char *rig(const char *var) {
        const char *p = getenv(var);
        if (isempty(p)) {
                fprintf(stderr, "test-net: %s is not set (run through meson test)\n", var);
                return NULL;
        }
        return p;
}

static int run_command(const char *const *argv) {
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "test-net: %s %s failed\n", argv[0], argv[1]);
                return -EIO;
        }
        return 0;
}

static int mkcert(const char *what, const char *ca, const char *subject, const char *out) {
        const char *mk = rig("TD_MKCERT");
        if (!mk)
                return -ENOENT;
        if (ca) {
                const char *argv[] = { mk,      what,    "--ca",  ca,      "--subject",
                                       subject, "--key", "ec256", "--san", "IP:127.0.0.1,DNS:localhost",
                                       "--out", out,     NULL };
                return run_command(argv);
        }
        const char *argv[] = { mk, what, "--subject", subject, "--key", "ec256", "--out", out, NULL };
        return run_command(argv);
}

/* Start https-server with @extra options; read its "PORT N" line. */
static int start_server(Server *s, const char *cert, const char *key, const char *const *extra) {
        const char *bin = rig("TD_HTTPS_SERVER");
        if (!bin)
                return -ENOENT;
        const char *argv[16] = { bin, "--cert", cert, "--key", key, "--port", "0" };
        size_t n = 7;
        for (; extra && *extra && n < ELEMENTSOF(argv) - 1; extra++)
                argv[n++] = *extra;
        argv[n] = NULL;

        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                execv(bin, (char *const *) argv);
                _exit(127);
        }
        close(fds[1]);
        s->pid = pid;

        char line[64] = "";
        size_t len = 0;
        while (len < sizeof line - 1 && !strchr(line, '\n')) {
                struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
                if (poll(&pfd, 1, 10000) <= 0)
                        break;
                ssize_t got = read(fds[0], line + len, sizeof line - 1 - len);
                if (got <= 0)
                        break;
                len += (size_t) got;
                line[len] = '\0';
        }
        close(fds[0]);
        if (sscanf(line, "PORT %u", &s->port) != 1 || s->port == 0) {
                fprintf(stderr, "test-net: %s did not report its port (got '%s')\n", bin, line);
                return -EIO;
        }
        snprintf(s->url, sizeof s->url, "https://127.0.0.1:%u/", s->port);
        return 0;
}

/* A port nobody listens on: bind one, note it, close it. */
static int reserve_closed_port(unsigned *ret) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 ||
            getsockname(fd, (struct sockaddr *) &sa, &len) < 0) {
                close(fd);
                return -errno;
        }
        close(fd);
        *ret = ntohs(sa.sin_port);
        return 0;
}

static void unset_proxies(void) {
        static const char *const vars[] = { "http_proxy", "https_proxy", "HTTPS_PROXY", "HTTP_PROXY",
                                            "all_proxy",  "ALL_PROXY",   "no_proxy",    "NO_PROXY" };
        for (size_t i = 0; i < ELEMENTSOF(vars); i++)
                unsetenv(vars[i]);
}

static int group_teardown(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(all_servers); i++) {
                Server *s = all_servers[i];
                if (s->pid > 0) {
                        kill(s->pid, SIGTERM);
                        waitpid(s->pid, NULL, 0);
                        s->pid = 0;
                }
        }
        if (F.dir[0]) {
                char cmd[128];
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", F.dir);
                if (system(cmd) != 0)
                        return -1;
        }
        return 0;
}

static int group_setup(void **state) {
        /* The test decides which proxy applies; the caller's must not leak in. */
        unset_proxies();
        signal(SIGPIPE, SIG_IGN);

        snprintf(F.dir, sizeof F.dir, "/tmp/td-test-net-XXXXXX");
        if (!mkdtemp(F.dir)) {
                F.dir[0] = '\0';
                return -1;
        }
        char prefix[96], prefix_untrusted[96], leaf[96], leaf_untrusted[96];
        snprintf(prefix, sizeof prefix, "%s/ca", F.dir);
        snprintf(prefix_untrusted, sizeof prefix_untrusted, "%s/other-ca", F.dir);
        snprintf(leaf, sizeof leaf, "%s/server", F.dir);
        snprintf(leaf_untrusted, sizeof leaf_untrusted, "%s/other-server", F.dir);
        snprintf(F.ca, sizeof F.ca, "%s.pem", prefix);
        snprintf(F.ca_untrusted, sizeof F.ca_untrusted, "%s.pem", prefix_untrusted);
        snprintf(F.cert, sizeof F.cert, "%s.pem", leaf);
        snprintf(F.key, sizeof F.key, "%s.key", leaf);
        snprintf(F.cert_untrusted, sizeof F.cert_untrusted, "%s.pem", leaf_untrusted);
        snprintf(F.key_untrusted, sizeof F.key_untrusted, "%s.key", leaf_untrusted);

        if (mkcert("ca", NULL, "C=CN,O=tokendoctor 测试,CN=tokendoctor test CA", prefix) < 0 ||
            mkcert("leaf", prefix, "CN=127.0.0.1", leaf) < 0 ||
            mkcert("ca", NULL, "C=CN,O=untrusted,CN=untrusted test CA", prefix_untrusted) < 0 ||
            mkcert("leaf", prefix_untrusted, "CN=127.0.0.1", leaf_untrusted) < 0)
                goto fail;

        if (start_server(&F.ok, F.cert, F.key, NULL) < 0 ||
            start_server(&F.ahead_2h, F.cert, F.key, TD_STRV("--date-offset", "7200")) < 0 ||
            start_server(&F.behind_10m, F.cert, F.key, TD_STRV("--date-offset", "-600")) < 0 ||
            start_server(&F.ahead_60s, F.cert, F.key, TD_STRV("--date-offset", "60")) < 0 ||
            start_server(&F.untrusted, F.cert_untrusted, F.key_untrusted, NULL) < 0 ||
            start_server(&F.hang, F.cert, F.key, TD_STRV("--hang")) < 0 ||
            start_server(&F.status503, F.cert, F.key, TD_STRV("--status", "503")) < 0 ||
            start_server(&F.no_date, F.cert, F.key, TD_STRV("--no-date")) < 0 ||
            start_server(&F.redirect, F.cert, F.key, TD_STRV("--status", "301")) < 0 ||
            start_server(&F.big_body, F.cert, F.key, TD_STRV("--body-bytes", "4194304")) < 0)
                goto fail;

        if (reserve_closed_port(&F.closed_port) < 0)
                goto fail;
        snprintf(F.closed_url, sizeof F.closed_url, "https://127.0.0.1:%u/", F.closed_port);
        return 0;
fail:
        group_teardown(state);
        return -1;
}

/* ---- running a check ------------------------------------------------------------------ */

typedef struct {
        const char *ca;    /* NULL: the system store */
        unsigned max_skew; /* 0: the default */
        int64_t budget_ms; /* 0: the check's own timeout */
} RunOptions;

/* Run check @id on a fresh context whose profile has @urls; the result is the caller's. */
static int run_check(const char *id, const char *const *urls, const RunOptions *o, TdResult *r) {
        const TdCheck *check = td_registry_find(id);
        assert_non_null(check);

        TdProfile *profile = NULL;
        assert_int_equal(td_profile_new_default(&profile), 0);
        td_strv_free(profile->urls);
        profile->urls = calloc(1, sizeof(char *));
        assert_non_null(profile->urls);
        for (; *urls; urls++)
                assert_int_equal(td_strv_push(&profile->urls, *urls), 0);
        free(profile->platform_tls_ca);
        profile->platform_tls_ca = o && o->ca ? strdup(o->ca) : NULL;
        if (o && o->max_skew)
                profile->max_clock_skew_s = o->max_skew;

        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        td_context_take_profile(ctx, profile);

        td_result_init(r, check);
        r->deadline_ms =
                td_now_monotonic_ms() + (o && o->budget_ms ? o->budget_ms : (int64_t) check->timeout_ms);
        int ret = check->run(ctx, r);
        /* The offer, as the engine makes it once the verdict is in. */
        td_result_decide_fix(ctx, r);
        td_context_unref(ctx);
        return ret;
}

static void assert_detail(const TdResult *r, const char *key, const char *want) {
        const char *v = td_result_get_detail(r, key);
        if (!v)
                fail_msg("%s: no detail %s (message: %s)", r->check->id, key, r->message ? r->message : "");
        if (want)
                assert_string_equal(v, want);
}

static void assert_no_detail(const TdResult *r, const char *key) {
        const char *v = td_result_get_detail(r, key);
        if (v)
                fail_msg("%s: unexpected detail %s=%s", r->check->id, key, v);
}

static void assert_status(const TdResult *r, TdStatus status, const char *cause) {
        if (r->status != status || !streq_ptr(r->cause, cause))
                fail_msg("%s: got %s/%s, want %s/%s: %s", r->check->id, td_status_to_string(r->status),
                         r->cause ? r->cause : "-", td_status_to_string(status), cause ? cause : "-",
                         r->message ? r->message : "(no message)");
        assert_non_null(r->message);
}

static void assert_contains(const char *haystack, const char *needle) {
        if (!haystack || !strstr(haystack, needle))
                fail_msg("'%s' does not contain '%s'", haystack ? haystack : "(null)", needle);
}

/*
 * A failure's message: what it means first, the detail for support last, in one parenthesis
 * that holds no other (curl's words among it) and ends the message. Returns that detail.
 */
static const char *assert_technical_last(const char *message) {
        const char *t = message ? strstr(message, "(Technical detail: ") : NULL;
        if (!t || t == message)
                fail_msg("'%s' does not end with a technical detail", message ? message : "(null)");
        t += strlen("(Technical detail: ");
        size_t len = strlen(t);
        if (len == 0 || t[len - 1] != ')' || strcspn(t, "()") != len - 1)
                fail_msg("'%s': the technical detail is not one parenthesis at the end", message);
        return t;
}

/* A detail that must be a JSON integer (a duration, a status code, a skew), not text. */
static long detail_long(const TdResult *r, const char *key) {
        struct json_object *v = td_result_get_detail_node(r, key);
        if (!v)
                fail_msg("no detail %s", key);
        if (!json_object_is_type(v, json_type_int))
                fail_msg("detail %s=%s is not a JSON integer", key, json_object_to_json_string(v));
        return (long) json_object_get_int64(v);
}

/* ---- net.platform --------------------------------------------------------------------- */

static void test_platform_healthy(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.ok.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "urls.0.url", F.ok.url);
        assert_detail(&r, "urls.0.ip", "127.0.0.1");
        assert_int_equal(detail_long(&r, "urls.0.http_status"), 200);
        assert_true(detail_long(&r, "urls.0.dns_ms") >= 0);
        assert_true(detail_long(&r, "urls.0.connect_ms") >= 0);
        assert_true(detail_long(&r, "urls.0.tls_ms") >= 0);
        long total = detail_long(&r, "urls.0.total_ms");
        assert_true(total >= detail_long(&r, "urls.0.tls_ms"));
        assert_true(total < 20000);
        assert_no_detail(&r, "urls.0.proxy");
        assert_no_detail(&r, "urls.0.error");
        assert_contains(r.message, F.ok.url);
        td_result_clear(&r);
}

static void test_platform_several_urls(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.ok.url, F.ahead_60s.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_detail(&r, "urls.1.url", F.ahead_60s.url);
        assert_int_equal(detail_long(&r, "urls.1.http_status"), 200);
        td_result_clear(&r);

        /* The first failing URL names the verdict; every URL is still probed. */
        assert_int_equal(run_check("net.platform", TD_STRV(F.ok.url, F.status503.url, F.closed_url), &o, &r),
                         0);
        assert_status(&r, TD_STATUS_FAIL, "net.http");
        assert_contains(r.message, F.status503.url);
        assert_contains(r.message, "503");
        assert_int_equal(detail_long(&r, "urls.0.http_status"), 200);
        assert_detail(&r, "urls.2.stage", "connect");
        td_result_clear(&r);
}

static void test_platform_untrusted(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.untrusted.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.tls");
        /* The address to try in a browser, the clock to look at; the TLS stage for support. */
        assert_contains(r.message, F.untrusted.url);
        assert_contains(r.message, "clock");
        assert_contains(assert_technical_last(r.message), "TLS");
        assert_detail(&r, "urls.0.stage", "tls");
        assert_detail(&r, "urls.0.error", NULL);
        assert_true(detail_long(&r, "urls.0.verify_result") > 0);
        td_result_clear(&r);

        /* Without the profile's CA the system store alone does not know the test CA. */
        assert_int_equal(run_check("net.platform", TD_STRV(F.ok.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.tls");
        td_result_clear(&r);

        /* A CA file that is missing is a TLS set-up failure, not a crash. */
        RunOptions missing = { .ca = "/nonexistent/ca.pem" };
        assert_int_equal(run_check("net.platform", TD_STRV(F.ok.url), &missing, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.tls");
        td_result_clear(&r);
}

static void test_platform_closed_port(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.closed_url), &o, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.connect");
        assert_contains(r.message, F.closed_url);
        assert_contains(assert_technical_last(r.message), "TCP");
        assert_detail(&r, "urls.0.stage", "connect");
        assert_no_detail(&r, "urls.0.tls_ms");
        assert_no_detail(&r, "urls.0.http_status");
        td_result_clear(&r);
}

static void test_platform_http_error(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.status503.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.http");
        assert_int_equal(detail_long(&r, "urls.0.http_status"), 503);
        assert_contains(r.message, "503");
        td_result_clear(&r);
}

static void test_platform_redirect(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(F.redirect.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_int_equal(detail_long(&r, "urls.0.http_status"), 301);
        assert_contains(td_result_get_detail(&r, "urls.0.redirect"), "/elsewhere");
        assert_detail(&r, "redirects", "not-followed");
        td_result_clear(&r);
}

static void test_platform_big_body(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(run_check("net.platform", TD_STRV(F.big_body.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_int_equal(detail_long(&r, "urls.0.http_status"), 200);
        /* 4 MiB would take a while under valgrind; 64 KiB does not. */
        assert_true(td_now_monotonic_ms() - start < 10000);
        td_result_clear(&r);

        TdHttpOptions opts = { .ca_file = F.ca, .verify = true };
        _cleanup_http_probe_free_ TdHttpProbe *p = NULL;
        assert_int_equal(td_http_probe(F.big_body.url, &opts, &p), 0);
        assert_int_equal(p->curl_code, 0);
        assert_null(p->cause);
        assert_true(p->body_truncated);
}

static void test_platform_timeout(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca, .budget_ms = 1500 };
        int64_t deadline = td_now_monotonic_ms() + 1500;
        assert_int_equal(run_check("net.platform", TD_STRV(F.hang.url), &o, &r), 0);
        int64_t returned = td_now_monotonic_ms();
        assert_status(&r, TD_STATUS_FAIL, "net.timeout");
        assert_contains(r.message, F.hang.url);
        if (returned > deadline)
                fail_msg("net.platform returned %lld ms after its deadline",
                         (long long) (returned - deadline));
        /* It used the time it had, rather than giving up at once. */
        assert_true(returned >= deadline - 1000);
        td_result_clear(&r);

        /* A URL after the one that ate the time is reported, not probed. */
        o.budget_ms = 1000;
        assert_int_equal(run_check("net.platform", TD_STRV(F.hang.url, F.ok.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.timeout");
        assert_detail(&r, "urls.1.url", F.ok.url);
        assert_no_detail(&r, "urls.1.http_status");
        td_result_clear(&r);
}

typedef struct {
        const char *url;
        TdHttpOptions opts;
        TdHttpProbe *probe;
        int r;
} ProbeThread;

static void *probe_thread(void *userdata) {
        ProbeThread *t = userdata;
        t->r = td_http_probe(t->url, &t->opts, &t->probe);
        return NULL;
}

/* An IP socket of this process: only libcurl's connection makes one here (servers are children). */
static int find_ip_socket(void) {
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return -errno;
        int found = -ENOENT;
        for (struct dirent *e; found < 0 && (e = readdir(d));) {
                int fd = atoi(e->d_name);
                int domain;
                socklen_t len = sizeof domain;
                if (e->d_name[0] != '.' && fd != dirfd(d) &&
                    getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
                    (domain == AF_INET || domain == AF_INET6))
                        found = fd;
        }
        closedir(d);
        return found;
}

static void test_socket_close_on_exec(void **state) {
        /*
         * A helper spawned meanwhile (the PKCS#11 probe, which runs a vendor's code) must not
         * inherit the connection. The hanging server keeps it open while we look at it.
         */
        ProbeThread t = { .url = F.hang.url,
                          .opts = { .verify = true, .ca_file = F.ca, .timeout_ms = 3000 } };
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, probe_thread, &t), 0);
        int fd = -ENOENT, flags = -1;
        for (int64_t until = td_now_monotonic_ms() + 2500; fd < 0 && td_now_monotonic_ms() < until;) {
                if ((fd = find_ip_socket()) >= 0)
                        flags = fcntl(fd, F_GETFD);
                else
                        poll(NULL, 0, 5);
        }
        pthread_join(thread, NULL);
        assert_int_equal(t.r, 0);
        assert_string_equal(t.probe->cause, "net.timeout");
        td_http_probe_free(t.probe);
        if (fd < 0)
                fail_msg("no connection to the hanging server was seen");
        if (flags < 0 || !(flags & FD_CLOEXEC))
                fail_msg("libcurl's connection (fd %d) is not close-on-exec", fd);
}

static bool only_loopback(void) {
        struct ifaddrs *list;
        if (getifaddrs(&list) < 0)
                return false;
        bool ok = true;
        for (struct ifaddrs *i = list; i; i = i->ifa_next)
                if ((i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK))
                        ok = false;
        freeifaddrs(list);
        return ok;
}

static void test_platform_dns(void **state) {
        /* A resolver query must never leave the machine: refuse to run outside netns-run. */
        if (!only_loopback())
                fail_msg("a network interface besides loopback is up: run this test through "
                         "tests/rig/netns-run");

        static const char url[] = "https://tokendoctor-test.invalid/";
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("net.platform", TD_STRV(url), &o, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "net.dns");
        /* Plain words and the test first; the stage and curl's own words after, for support. */
        assert_true(td_startswith(r.message, "The platform website cannot be reached"));
        assert_contains(r.message, url);
        assert_contains(assert_technical_last(r.message), "DNS");
        assert_contains(assert_technical_last(r.message), td_result_get_detail(&r, "urls.0.error"));
        assert_detail(&r, "urls.0.stage", "dns");
        assert_contains(td_result_get_detail(&r, "urls.0.error"), "tokendoctor-test.invalid");
        td_result_clear(&r);

        assert_true(run_check("time.clock", TD_STRV(url), &o, &r) < 0);
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        td_result_clear(&r);
}

static void test_platform_bad_url(void **state) {
        TdResult r;
        assert_int_equal(run_check("net.platform", TD_STRV("ftp://127.0.0.1/"), NULL, &r), -EINVAL);
        assert_int_equal(r.status, TD_STATUS_ERROR);
        assert_contains(r.message, "ftp://127.0.0.1/");
        td_result_clear(&r);
}

/* ---- proxies -------------------------------------------------------------------------- */

static void test_proxy(void **state) {
        char proxy[96], redacted[96];
        snprintf(proxy, sizeof proxy, "http://tduser:s3cret-pw@127.0.0.1:%u", F.closed_port);
        snprintf(redacted, sizeof redacted, "http://***@127.0.0.1:%u", F.closed_port);
        TdResult r;
        RunOptions o = { .ca = F.ca };

        /* https_proxy pointing at a closed port: the connection to the proxy fails. */
        setenv("https_proxy", proxy, 1);
        int ret = run_check("net.platform", TD_STRV(F.ok.url), &o, &r);
        unset_proxies();
        assert_int_equal(ret, 0);
        assert_status(&r, TD_STATUS_FAIL, "net.connect");
        assert_detail(&r, "urls.0.proxy", redacted);
        assert_contains(assert_technical_last(r.message), redacted);
        if (r.details && strstr(json_object_to_json_string(r.details), "s3cret"))
                fail_msg("the details show the proxy password");
        assert_null(strstr(r.message, "s3cret"));
        td_result_clear(&r);

        /* The upper-case form counts for https too. */
        setenv("HTTPS_PROXY", proxy, 1);
        ret = run_check("net.platform", TD_STRV(F.ok.url), &o, &r);
        unset_proxies();
        assert_int_equal(ret, 0);
        assert_status(&r, TD_STATUS_FAIL, "net.connect");
        assert_detail(&r, "urls.0.proxy", redacted);
        td_result_clear(&r);

        /* no_proxy exempts the host: a direct connection that works. */
        setenv("https_proxy", proxy, 1);
        setenv("no_proxy", "example.com, 127.0.0.0/8", 1);
        ret = run_check("net.platform", TD_STRV(F.ok.url), &o, &r);
        unset_proxies();
        assert_int_equal(ret, 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_no_detail(&r, "urls.0.proxy");
        td_result_clear(&r);

        /* http_proxy is for http:// URLs only, as in libcurl. */
        setenv("http_proxy", proxy, 1);
        ret = run_check("net.platform", TD_STRV(F.ok.url), &o, &r);
        unset_proxies();
        assert_int_equal(ret, 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);

        /* all_proxy is the fallback; time.clock goes through it too. */
        setenv("all_proxy", proxy, 1);
        ret = run_check("time.clock", TD_STRV(F.ok.url), &o, &r);
        unset_proxies();
        assert_true(ret < 0);
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        assert_detail(&r, "proxy", redacted);
        td_result_clear(&r);
}

/* ---- platform.helper ------------------------------------------------------------------ */

/* Run platform.helper with the profile's [helper] url (NULL: none) and tls_ca (NULL: none). */
static int run_helper(const char *url, const char *tls_ca, TdResult *r) {
        const TdCheck *check = td_registry_find("platform.helper");
        assert_non_null(check);
        TdProfile *profile = NULL;
        assert_int_equal(td_profile_new_default(&profile), 0);
        free(profile->helper_url);
        profile->helper_url = url ? strdup(url) : NULL;
        free(profile->helper_tls_ca);
        profile->helper_tls_ca = tls_ca ? strdup(tls_ca) : NULL;
        TdContext *ctx = td_context_new();
        assert_non_null(ctx);
        td_context_take_profile(ctx, profile);
        td_result_init(r, check);
        r->deadline_ms = td_now_monotonic_ms() + (int64_t) check->timeout_ms;
        int ret = check->run(ctx, r);
        td_context_unref(ctx);
        return ret;
}

static void test_helper_not_configured(void **state) {
        TdResult r;
        assert_int_equal(run_helper(NULL, NULL, &r), 0);
        assert_status(&r, TD_STATUS_SKIP, NULL);
        assert_detail(&r, "skip_reason", "not-configured");
        assert_no_detail(&r, "url");
        td_result_clear(&r);
}

static void test_helper_healthy(void **state) {
        TdResult r;
        assert_int_equal(run_helper(F.ok.url, F.ca, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_contains(r.message, F.ok.url);
        assert_contains(r.message, "200");
        assert_int_equal(detail_long(&r, "http_status"), 200);
        assert_int_equal(detail_long(&r, "port"), (long) F.ok.port);
        assert_detail(&r, "trust_store", "system+tls_ca");
        assert_detail(&r, "ip", "127.0.0.1");
        assert_contains(td_result_get_detail(&r, "certificate.issuer"), "tokendoctor test CA");
        assert_detail(&r, "certificate.subject", "CN=127.0.0.1");
        assert_no_detail(&r, "error");
        td_result_clear(&r);

        /* Any status is an answer: the service runs. */
        assert_int_equal(run_helper(F.status503.url, F.ca, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        assert_contains(r.message, "503");
        td_result_clear(&r);

        /* "localhost" is loopback too (the test certificate names it). */
        char localhost[64];
        snprintf(localhost, sizeof localhost, "https://localhost:%u/", F.ok.port);
        assert_int_equal(run_helper(localhost, F.ca, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);

        /* Never through a proxy: one pointing nowhere changes nothing. */
        char proxy[64];
        snprintf(proxy, sizeof proxy, "http://127.0.0.1:%u", F.closed_port);
        setenv("https_proxy", proxy, 1);
        setenv("all_proxy", proxy, 1);
        int ret = run_helper(F.ok.url, F.ca, &r);
        unset_proxies();
        assert_int_equal(ret, 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_helper_untrusted(void **state) {
        TdResult r;
        assert_int_equal(run_helper(F.untrusted.url, F.ca, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "helper.untrusted");
        assert_contains(r.message, F.untrusted.url);
        assert_contains(r.message, "driver");
        /* curl's verification error, and OpenSSL's code for it. */
        assert_contains(td_result_get_detail(&r, "error"), "certificate");
        assert_contains(assert_technical_last(r.message), td_result_get_detail(&r, "error"));
        assert_true(detail_long(&r, "verify_result") > 0);
        assert_detail(&r, "stage", "tls");
        /* The certificate, fetched again without verification: whose it is and when it is valid. */
        assert_contains(td_result_get_detail(&r, "certificate.issuer"), "untrusted test CA");
        assert_detail(&r, "certificate.subject", "CN=127.0.0.1");
        assert_detail(&r, "certificate.not_after", NULL);
        assert_detail(&r, "certificate.self_signed", "false");
        assert_detail(&r, "certificate.expired", "false");
        td_result_clear(&r);

        /* The system store alone does not know the test CA. */
        assert_int_equal(run_helper(F.ok.url, NULL, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "helper.untrusted");
        assert_detail(&r, "trust_store", "system");
        assert_contains(td_result_get_detail(&r, "certificate.issuer"), "tokendoctor test CA");
        td_result_clear(&r);

        /* A tls_ca the profile names but that cannot be read tells nothing about the service. */
        assert_true(run_helper(F.ok.url, "/nonexistent/helper-ca.pem", &r) < 0);
        assert_status(&r, TD_STATUS_ERROR, "engine.check-error");
        assert_contains(r.message, "/nonexistent/helper-ca.pem");
        td_result_clear(&r);
}

static void test_helper_closed_port(void **state) {
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(run_helper(F.closed_url, F.ca, &r), 0);
        assert_true(td_now_monotonic_ms() - start < 2000);
        assert_status(&r, TD_STATUS_FAIL, "helper.down");
        assert_contains(r.message, "is not running");
        assert_contains(assert_technical_last(r.message), F.closed_url);
        assert_int_equal(detail_long(&r, "port"), (long) F.closed_port);
        assert_detail(&r, "stage", "connect");
        assert_detail(&r, "error", NULL);
        assert_no_detail(&r, "certificate");
        td_result_clear(&r);
}

/* A service that speaks plain HTTP where TLS is expected: one answer, then close. */
static void *plain_http_server(void *userdata) {
        int fd = *(int *) userdata;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) {
                static const char answer[] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
                char buf[512];
                (void) !read(c, buf, sizeof buf);
                (void) !write(c, answer, sizeof answer - 1);
                close(c);
        }
        return NULL;
}

static void test_helper_not_tls(void **state) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        assert_int_equal(listen(fd, 1), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        pthread_t thread;
        assert_int_equal(pthread_create(&thread, NULL, plain_http_server, &fd), 0);
        char url[64];
        snprintf(url, sizeof url, "https://127.0.0.1:%u/", ntohs(sa.sin_port));

        /* The handshake breaks off: a broken service, not a certificate anyone judged. */
        TdResult r;
        assert_int_equal(run_helper(url, F.ca, &r), 0);
        pthread_join(thread, NULL);
        close(fd);
        assert_status(&r, TD_STATUS_FAIL, "helper.down");
        assert_contains(r.message, "secure connection");
        assert_detail(&r, "stage", "tls");
        assert_no_detail(&r, "verify_result");
        assert_no_detail(&r, "certificate");
        td_result_clear(&r);
}

static void test_helper_hang(void **state) {
        /* Accepts and never answers: down, well within the check's own timeout. */
        TdResult r;
        int64_t start = td_now_monotonic_ms();
        assert_int_equal(run_helper(F.hang.url, F.ca, &r), 0);
        int64_t took = td_now_monotonic_ms() - start;
        assert_status(&r, TD_STATUS_FAIL, "helper.down");
        assert_contains(r.message, "in time");
        assert_int_equal(detail_long(&r, "port"), (long) F.hang.port);
        if (took >= (int64_t) td_registry_find("platform.helper")->timeout_ms - 1000)
                fail_msg("platform.helper took %lld ms on a hanging service", (long long) took);
        td_result_clear(&r);
}

static void test_helper_not_loopback(void **state) {
        /* A profile made in code gets past the loader: the check refuses it without a request. */
        TdResult r;
        assert_int_equal(run_helper("https://192.0.2.1:51245/", NULL, &r), -EINVAL);
        assert_status(&r, TD_STATUS_ERROR, "engine.check-error");
        assert_contains(r.message, "192.0.2.1");
        assert_no_detail(&r, "total_ms");
        assert_no_detail(&r, "stage");
        td_result_clear(&r);

        /* The loader refuses it first: a profile error, with no check run. */
        char path[160];
        snprintf(path, sizeof path, "%s/off-host.ini", F.dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("[platform]\nurl = https://127.0.0.1/\n[helper]\nurl = https://192.0.2.1:51245/\n", f);
        fclose(f);
        TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        assert_int_equal(td_profile_load_file(path, &p, &error), -EINVAL);
        assert_null(p);
        assert_contains(error, "[helper] url");
        assert_contains(error, "not on this computer");
}

/* ---- time.clock ----------------------------------------------------------------------- */

static void test_clock_healthy(void **state) {
        TdResult r;
        RunOptions o = { .ca = F.ca };
        assert_int_equal(run_check("time.clock", TD_STRV(F.ok.url), &o, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        /* The platform's CA verifies the server: its time is the platform's. */
        assert_int_equal(json_object_get_boolean(td_result_get_detail_node(&r, "reference_authenticated")),
                         1);
        assert_null(strstr(r.message, "could not be verified"));
        long skew = detail_long(&r, "skew_s");
        assert_true(skew >= -2 && skew <= 2);
        const char *server = td_result_get_detail(&r, "server_time");
        assert_non_null(server);
        assert_int_equal(strlen(server), 20); /* 2026-11-23T10:00:00Z */
        assert_int_equal(server[10], 'T');
        assert_int_equal(server[19], 'Z');
        assert_detail(&r, "local_time", NULL);
        assert_int_equal(detail_long(&r, "max_skew_s"), 300);
        td_result_clear(&r);
}

static void test_clock_unverified(void **state) {
        /* A certificate nobody trusts still tells the time (a wrong clock makes good certificates
         * fail too), and the result says the time was not authenticated. */
        TdResult r;
        assert_int_equal(run_check("time.clock", TD_STRV(F.untrusted.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        struct json_object *authenticated = td_result_get_detail_node(&r, "reference_authenticated");
        assert_non_null(authenticated);
        assert_false(json_object_get_boolean(authenticated));
        assert_contains(r.message, "could not be verified");
        td_result_clear(&r);

        /* Only the first URL is the reference. */
        assert_int_equal(run_check("time.clock", TD_STRV(F.ok.url, F.ahead_2h.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        td_result_clear(&r);
}

static void test_clock_server_ahead(void **state) {
        TdResult r;
        assert_int_equal(run_check("time.clock", TD_STRV(F.ahead_2h.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "time.skew");
        long skew = detail_long(&r, "skew_s");
        assert_true(skew >= -7202 && skew <= -7198);
        /* "2 hours", or "1 hour 59 minutes" when the skew rounds just under. */
        assert_contains(r.message, "hour");
        assert_contains(r.message, "behind");
        assert_contains(r.message, "secure connections");
        assert_contains(assert_technical_last(r.message), F.ahead_2h.url);
        assert_non_null(r.check->fix);
        assert_true(r.check->fix->privileged);
        assert_true(td_result_has_fix(&r));
        td_result_clear(&r);
}

static void test_clock_server_behind(void **state) {
        TdResult r;
        assert_int_equal(run_check("time.clock", TD_STRV(F.behind_10m.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "time.skew");
        long skew = detail_long(&r, "skew_s");
        assert_true(skew >= 598 && skew <= 602);
        assert_contains(r.message, "ahead");
        /* "10 minutes", or "9 minutes 59 seconds" when a second boundary fell badly. */
        assert_contains(r.message, "minutes");
        td_result_clear(&r);
}

static void test_clock_small_skew(void **state) {
        TdResult r;
        assert_int_equal(run_check("time.clock", TD_STRV(F.ahead_60s.url), NULL, &r), 0);
        assert_status(&r, TD_STATUS_PASS, NULL);
        long skew = detail_long(&r, "skew_s");
        assert_true(skew >= -62 && skew <= -58);
        td_result_clear(&r);

        /* The profile's limit decides. */
        RunOptions strict = { .max_skew = 30 };
        assert_int_equal(run_check("time.clock", TD_STRV(F.ahead_60s.url), &strict, &r), 0);
        assert_status(&r, TD_STATUS_FAIL, "time.skew");
        assert_int_equal(detail_long(&r, "max_skew_s"), 30);
        assert_contains(r.message, "30 seconds");
        td_result_clear(&r);
}

static void test_clock_no_date(void **state) {
        TdResult r;
        assert_true(run_check("time.clock", TD_STRV(F.no_date.url), NULL, &r) < 0);
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        assert_contains(r.message, "Date");
        td_result_clear(&r);

        assert_true(run_check("time.clock", TD_STRV(F.closed_url), NULL, &r) < 0);
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        /* Said plainly: the clock is not known to be wrong, the network problem comes first. */
        assert_true(td_startswith(r.message, "The system clock could not be checked: the platform website "
                                             "cannot be reached"));
        assert_contains(assert_technical_last(r.message), F.closed_url);
        assert_contains(assert_technical_last(r.message), td_result_get_detail(&r, "reference_error"));
        assert_detail(&r, "reference_error", NULL);
        td_result_clear(&r);
}

static void test_clock_timeout(void **state) {
        TdResult r;
        RunOptions o = { .budget_ms = 1500 };
        int64_t deadline = td_now_monotonic_ms() + 1500;
        assert_true(run_check("time.clock", TD_STRV(F.hang.url), &o, &r) < 0);
        int64_t returned = td_now_monotonic_ms();
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        if (returned > deadline)
                fail_msg("time.clock returned %lld ms after its deadline",
                         (long long) (returned - deadline));
        td_result_clear(&r);

        /* No time at all: no probe, an answer at once. */
        o.budget_ms = 50;
        assert_true(run_check("time.clock", TD_STRV(F.ok.url), &o, &r) < 0);
        assert_status(&r, TD_STATUS_ERROR, "time.no-reference");
        td_result_clear(&r);
}

int main(void) {
        const struct CMUnitTest pure[] = {
                cmocka_unit_test(test_cause_table), cmocka_unit_test(test_redact),
                cmocka_unit_test(test_no_proxy),    cmocka_unit_test(test_url_check),
                cmocka_unit_test(test_stage_names), cmocka_unit_test(test_proxy_for),
        };
        const struct CMUnitTest servers[] = {
                cmocka_unit_test(test_platform_healthy),     cmocka_unit_test(test_platform_several_urls),
                cmocka_unit_test(test_platform_untrusted),   cmocka_unit_test(test_platform_closed_port),
                cmocka_unit_test(test_platform_http_error),  cmocka_unit_test(test_platform_redirect),
                cmocka_unit_test(test_platform_big_body),    cmocka_unit_test(test_platform_timeout),
                cmocka_unit_test(test_socket_close_on_exec), cmocka_unit_test(test_platform_dns),
                cmocka_unit_test(test_platform_bad_url),     cmocka_unit_test(test_proxy),
                cmocka_unit_test(test_clock_healthy),        cmocka_unit_test(test_clock_unverified),
                cmocka_unit_test(test_clock_server_ahead),   cmocka_unit_test(test_clock_server_behind),
                cmocka_unit_test(test_clock_small_skew),     cmocka_unit_test(test_clock_no_date),
                cmocka_unit_test(test_clock_timeout),        cmocka_unit_test(test_helper_not_configured),
                cmocka_unit_test(test_helper_healthy),       cmocka_unit_test(test_helper_untrusted),
                cmocka_unit_test(test_helper_closed_port),   cmocka_unit_test(test_helper_not_tls),
                cmocka_unit_test(test_helper_hang),          cmocka_unit_test(test_helper_not_loopback),
        };
        if (td_http_global_init() < 0)
                return EXIT_FAILURE;
        int failed = cmocka_run_group_tests_name("http-adapter", pure, NULL, NULL);
        failed += cmocka_run_group_tests_name("net-checks", servers, group_setup, group_teardown);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
