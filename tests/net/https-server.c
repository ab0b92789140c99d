/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * https-server: a minimal HTTPS/1.1 server on 127.0.0.1 for tests.
 *
 *   https-server --cert FILE --key FILE [--port N] [--date-offset SECONDS] [--no-date]
 *                [--status CODE] [--hang] [--delay-ms N] [--body-bytes N] [--log FILE]
 *
 * --port 0 (the default) binds a free port and prints "PORT N" on stdout, so tests never
 * race for ports. Every request gets a small text body (or N bytes with --body-bytes) and
 * a Date header skewed by --date-offset. --hang accepts connections and never answers;
 * --delay-ms answers N ms after the request came (a slow server: the client's connection stays
 * open meanwhile).
 * --log appends a line to FILE for every request answered (how many a run made).
 * Each connection is served by a child process. On SIGTERM, and when its parent dies
 * (PR_SET_PDEATHSIG), the server ends its children, waits for them, and exits: a child
 * left behind would end as a zombie under an init that does not reap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define REQUEST_MAX 16384
#define IO_TIMEOUT_S 10

typedef struct {
        const char *cert;
        const char *key;
        unsigned port;
        long long date_offset;
        bool no_date;
        unsigned status;
        bool hang;
        unsigned long delay_ms;
        unsigned long body_bytes;
        const char *log;
} Options;

static volatile sig_atomic_t stop;

static void on_term(int sig) {
        stop = 1;
}

static void die(const char *what) {
        fprintf(stderr, "https-server: %s: %s\n", what, errno ? strerror(errno) : "failed");
        ERR_print_errors_fp(stderr);
        exit(EXIT_FAILURE);
}

static const char *reason(unsigned status) {
        switch (status) {
        case 200:
                return "OK";
        case 204:
                return "No Content";
        case 301:
                return "Moved Permanently";
        case 302:
                return "Found";
        case 400:
                return "Bad Request";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 500:
                return "Internal Server Error";
        case 502:
                return "Bad Gateway";
        case 503:
                return "Service Unavailable";
        default:
                return "Status";
        }
}

static bool ssl_write_all(SSL *ssl, const char *buf, size_t len) {
        while (len > 0) {
                size_t written = 0;
                if (SSL_write_ex(ssl, buf, len, &written) != 1)
                        return false;
                buf += written;
                len -= written;
        }
        return true;
}

/* Read up to the end of the request head; the body of a GET is empty. */
static bool read_request(SSL *ssl) {
        char buf[REQUEST_MAX + 1];
        size_t len = 0;
        while (len < REQUEST_MAX) {
                size_t n = 0;
                if (SSL_read_ex(ssl, buf + len, REQUEST_MAX - len, &n) != 1)
                        return false;
                len += n;
                buf[len] = '\0';
                if (strstr(buf, "\r\n\r\n"))
                        return true;
        }
        return false;
}

static void serve(SSL_CTX *ctx, int fd, const Options *o) {
        struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

        SSL *ssl = SSL_new(ctx);
        if (!ssl || SSL_set_fd(ssl, fd) != 1)
                return;
        if (SSL_accept(ssl) != 1 || !read_request(ssl)) {
                SSL_free(ssl);
                return;
        }
        if (o->delay_ms)
                poll(NULL, 0, (int) o->delay_ms);
        if (o->log) {
                FILE *log = fopen(o->log, "ae");
                if (log) {
                        fputs("request\n", log);
                        fclose(log);
                }
        }

        char date[64] = "";
        if (!o->no_date) {
                time_t t = time(NULL) + (time_t) o->date_offset;
                struct tm tm;
                /* The C locale's names are the ones HTTP wants: we never call setlocale(). */
                if (gmtime_r(&t, &tm))
                        strftime(date, sizeof date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        }
        static const char body_text[] = "tokendoctor test server\n";
        unsigned long body_len = o->body_bytes ? o->body_bytes : sizeof body_text - 1;
        char head[512];
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 %u %s\r\n%sServer: tokendoctor-test\r\n%s"
                         "Content-Type: text/plain\r\nContent-Length: %lu\r\nConnection: close\r\n\r\n",
                         o->status, reason(o->status), date,
                         o->status >= 300 && o->status < 400 ? "Location: /elsewhere\r\n" : "", body_len);
        if (n > 0 && (size_t) n < sizeof head && ssl_write_all(ssl, head, (size_t) n)) {
                if (!o->body_bytes)
                        ssl_write_all(ssl, body_text, body_len);
                else {
                        char chunk[16384];
                        memset(chunk, 'x', sizeof chunk);
                        for (unsigned long left = body_len; left > 0;) {
                                size_t part = left < sizeof chunk ? left : sizeof chunk;
                                if (!ssl_write_all(ssl, chunk, part))
                                        break; /* the client stopped reading: fine */
                                left -= part;
                        }
                }
                SSL_shutdown(ssl);
        }
        SSL_free(ssl);
}

static unsigned long parse_number(const char *s, unsigned long max, const char *what) {
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v > max || s[0] == '-') {
                fprintf(stderr, "https-server: bad %s '%s'\n", what, s);
                exit(64);
        }
        return v;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "cert", required_argument, NULL, 'c' },
                { "key", required_argument, NULL, 'k' },
                { "port", required_argument, NULL, 'p' },
                { "date-offset", required_argument, NULL, 'd' },
                { "no-date", no_argument, NULL, 'D' },
                { "status", required_argument, NULL, 's' },
                { "hang", no_argument, NULL, 'H' },
                { "body-bytes", required_argument, NULL, 'b' },
                { "log", required_argument, NULL, 'l' },
                { "delay-ms", required_argument, NULL, 'w' },
                {},
        };
        Options o = { .status = 200 };
        int c;
        char *end;

        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        o.cert = optarg;
                        break;
                case 'k':
                        o.key = optarg;
                        break;
                case 'p':
                        o.port = (unsigned) parse_number(optarg, 65535, "port");
                        break;
                case 'd':
                        errno = 0;
                        o.date_offset = strtoll(optarg, &end, 10);
                        if (errno || end == optarg || *end) {
                                fprintf(stderr, "https-server: bad --date-offset '%s'\n", optarg);
                                return 64;
                        }
                        break;
                case 'D':
                        o.no_date = true;
                        break;
                case 'l':
                        o.log = optarg;
                        break;
                case 's':
                        o.status = (unsigned) parse_number(optarg, 999, "status");
                        break;
                case 'H':
                        o.hang = true;
                        break;
                case 'w':
                        o.delay_ms = parse_number(optarg, 600000, "delay");
                        break;
                case 'b':
                        o.body_bytes = parse_number(optarg, 1UL << 30, "body size");
                        break;
                default:
                        return 64;
                }
        }
        if (optind != argc || !o.cert || !o.key || o.status < 100) {
                fputs("usage: https-server --cert FILE --key FILE [--port N] [--date-offset S] [--no-date]\n"
                      "                    [--status CODE] [--hang] [--delay-ms N] [--body-bytes N]\n",
                      stderr);
                return 64;
        }

        /*
         * A process group of our own, so that one kill ends every child. SIGTERM is blocked
         * except while waiting in ppoll(), so it cannot slip in between the check and the wait.
         */
        setpgid(0, 0);
        sigset_t term, unblocked;
        sigemptyset(&term);
        sigaddset(&term, SIGTERM);
        sigprocmask(SIG_BLOCK, &term, &unblocked);
        sigdelset(&unblocked, SIGTERM);
        struct sigaction act = { .sa_handler = on_term }; /* no SA_RESTART */
        sigemptyset(&act.sa_mask);
        sigaction(SIGTERM, &act, NULL);

        /* End with the test that started us, even when it crashes before its teardown. */
        pid_t parent = getppid();
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
                die("prctl");
        if (getppid() != parent)
                return EXIT_FAILURE;
        signal(SIGPIPE, SIG_IGN);
        signal(SIGCHLD, SIG_IGN); /* children reap themselves */

        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, o.cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, o.key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1)
                die("cannot load the certificate and key");

        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                die("socket");
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) o.port) };
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, 64) < 0)
                die("bind");
        socklen_t salen = sizeof sa;
        if (getsockname(fd, (struct sockaddr *) &sa, &salen) < 0)
                die("getsockname");
        printf("PORT %u\n", (unsigned) ntohs(sa.sin_port));
        fflush(stdout);

        while (!stop) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                if (ppoll(&pfd, 1, NULL, &unblocked) < 0) {
                        if (errno == EINTR)
                                continue;
                        die("ppoll");
                }
                int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                continue;
                        die("accept");
                }
                pid_t pid = fork();
                if (pid < 0) {
                        close(conn);
                        continue;
                }
                if (pid == 0) {
                        close(fd);
                        signal(SIGTERM, SIG_DFL);
                        sigprocmask(SIG_SETMASK, &unblocked, NULL);
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        if (o.hang) {
                                for (;;)
                                        pause();
                        }
                        serve(ctx, conn, &o);
                        close(conn);
                        _exit(0);
                }
                close(conn);
        }

        /* Children have SIGTERM at its default; with SIGCHLD ignored, wait() returns when all are gone. */
        signal(SIGTERM, SIG_IGN);
        kill(0, SIGTERM);
        while (wait(NULL) >= 0 || errno == EINTR)
                ;
        SSL_CTX_free(ctx);
        close(fd);
        return EXIT_SUCCESS;
}
