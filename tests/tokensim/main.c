/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokensim: a virtual PIV CA token for the tests. It plugs into a real pcscd through the
 * vsmartcard vpcd reader driver (vpcd listens; we connect) and can be made to misbehave at run
 * time through a control socket, one text command per line.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "piv.h"

#define MAX_CLIENTS 4

typedef enum { MODE_NORMAL, MODE_MUTE, MODE_GARBAGE } Mode;

typedef struct {
        PivCard *card;
        uint8_t atr[33];
        size_t atr_len;
        int port;
        int vpcd_fd;
        bool inserted;
        Mode mode;
        unsigned delay_ms;
        FILE *log; /* APDU log, VERIFY data redacted */
        char *log_path;
        bool verbose;
} Sim;

static volatile sig_atomic_t quit;

static void on_signal(int sig) {
        (void) sig;
        quit = 1;
}

static int parse_hex(const char *hex, uint8_t *out, size_t max, size_t *ret_len) {
        size_t n = 0;
        for (const char *p = hex; *p;) {
                if (*p == ':' || *p == ' ') {
                        p++;
                        continue;
                }
                unsigned v;
                if (n >= max || sscanf(p, "%2x", &v) != 1 || !p[1])
                        return -EINVAL;
                out[n++] = (uint8_t) v;
                p += 2;
        }
        *ret_len = n;
        return 0;
}

static int load_slot(PivCard *card, uint8_t ref, const char *cert_path, const char *key_path) {
        FILE *f = fopen(cert_path, "r");
        if (!f) {
                fprintf(stderr, "tokensim: %s: %s\n", cert_path, strerror(errno));
                return -1;
        }
        X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        f = fopen(key_path, "r");
        if (!f) {
                X509_free(cert);
                fprintf(stderr, "tokensim: %s: %s\n", key_path, strerror(errno));
                return -1;
        }
        EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        unsigned char *der = NULL;
        int der_len = cert ? i2d_X509(cert, &der) : -1;
        int r = (cert && key && der_len > 0) ? piv_card_set_slot(card, ref, key, der, (size_t) der_len) : -1;
        if (r < 0)
                fprintf(stderr, "tokensim: cannot use %s / %s for slot %02X\n", cert_path, key_path, ref);
        OPENSSL_free(der);
        X509_free(cert);
        EVP_PKEY_free(key);
        return r < 0 ? -1 : 0;
}

static int connect_vpcd(int port) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        struct sockaddr_in addr = { .sin_family = AF_INET,
                                    .sin_port = htons((uint16_t) port),
                                    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (connect(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static int read_full(int fd, void *buf, size_t len) {
        size_t got = 0;
        while (got < len) {
                ssize_t n = read(fd, (uint8_t *) buf + got, len - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                got += (size_t) n;
        }
        return 0;
}

static int send_message(int fd, const uint8_t *data, size_t len) {
        uint8_t buf[2 + PIV_RESPONSE_MAX + 64];
        if (len > sizeof buf - 2)
                return -1;
        buf[0] = (uint8_t) (len >> 8);
        buf[1] = (uint8_t) len;
        memcpy(buf + 2, data, len);
        return send(fd, buf, len + 2, MSG_NOSIGNAL) == (ssize_t) (len + 2) ? 0 : -1;
}

static void log_apdu(Sim *sim, const uint8_t *apdu, size_t len, const uint8_t *rsp, size_t rsp_len) {
        if (!sim->log)
                return;
        /* The PIN never reaches a file: keep VERIFY's header, replace its data. */
        bool verify = len > 5 && apdu[1] == 0x20;
        for (size_t i = 0; i < len; i++) {
                if (verify && i >= 5)
                        break;
                fprintf(sim->log, "%02X", apdu[i]);
        }
        if (verify)
                fprintf(sim->log, "<%zu bytes redacted>", len - 5);
        fputs(" -> ", sim->log);
        for (size_t i = 0; i < rsp_len; i++)
                fprintf(sim->log, "%02X", rsp[i]);
        fputc('\n', sim->log);
        fflush(sim->log);
}

/* One vpcd message in, at most one answer out. Returns -1 when the connection is gone. */
static int serve_vpcd(Sim *sim) {
        uint8_t hdr[2], msg[0x10000];
        if (read_full(sim->vpcd_fd, hdr, 2) < 0)
                return -1;
        size_t len = ((size_t) hdr[0] << 8) | hdr[1];
        if (read_full(sim->vpcd_fd, msg, len) < 0)
                return -1;
        if (len == 1) {
                switch (msg[0]) {
                case 0: /* power off */
                case 1: /* power on */
                case 2: /* reset */
                        piv_card_reset(sim->card);
                        return 0;
                case 4:
                        return send_message(sim->vpcd_fd, sim->atr, sim->atr_len);
                default:
                        return 0;
                }
        }
        if (sim->mode == MODE_MUTE)
                return 0; /* the reader waits for an answer that never comes */
        if (sim->delay_ms)
                nanosleep(
                        &(struct timespec){ sim->delay_ms / 1000, (long) (sim->delay_ms % 1000) * 1000000 },
                        NULL);
        uint8_t rsp[PIV_RESPONSE_MAX];
        size_t rsp_len = piv_card_process(sim->card, msg, len, rsp);
        log_apdu(sim, msg, len, rsp, rsp_len);
        if (sim->mode == MODE_GARBAGE) {
                static const uint8_t garbage[] = { 0x42 };
                return send_message(sim->vpcd_fd, garbage, sizeof garbage);
        }
        return send_message(sim->vpcd_fd, rsp, rsp_len);
}

static void disconnect_vpcd(Sim *sim) {
        if (sim->vpcd_fd >= 0)
                close(sim->vpcd_fd);
        sim->vpcd_fd = -1;
        piv_card_reset(sim->card);
}

/* Execute one control command; writes the answer line to @fd. */
static void control_command(Sim *sim, char *line, int fd) {
        char answer[256] = "OK\n";
        unsigned n;
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "remove") == 0) {
                /* vpcd sees the card gone when the connection closes. */
                sim->inserted = false;
                disconnect_vpcd(sim);
        } else if (strcmp(line, "insert") == 0)
                sim->inserted = true;
        else if (strcmp(line, "mute") == 0)
                sim->mode = MODE_MUTE;
        else if (strcmp(line, "garbage") == 0)
                sim->mode = MODE_GARBAGE;
        else if (strcmp(line, "normal") == 0) {
                sim->mode = MODE_NORMAL;
                sim->delay_ms = 0;
        } else if (sscanf(line, "slow %u", &n) == 1)
                sim->delay_ms = n;
        else if (sscanf(line, "pin-tries %u", &n) == 1)
                piv_card_set_tries(sim->card, n);
        else if (strcmp(line, "tries") == 0)
                snprintf(answer, sizeof answer, "OK %u\n", piv_card_get_tries(sim->card));
        else if (strcmp(line, "clear-log") == 0) {
                if (sim->log && ftruncate(fileno(sim->log), 0) == 0)
                        rewind(sim->log);
        } else if (strcmp(line, "state") == 0)
                snprintf(answer, sizeof answer, "OK %s %s\n",
                         sim->vpcd_fd >= 0 ? "connected" : "disconnected",
                         sim->inserted ? "inserted" : "removed");
        else if (strcmp(line, "quit") == 0)
                quit = 1;
        else
                snprintf(answer, sizeof answer, "ERR unknown command\n");
        if (write(fd, answer, strlen(answer)) < 0)
                return;
}

static int open_control(const char *path) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        if (fd < 0 || strlen(path) >= sizeof addr.sun_path)
                return -1;
        strcpy(addr.sun_path, path);
        unlink(path);
        if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(fd, 4) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

static void usage(void) {
        fputs("usage: tokensim --port PORT [--cert-9a PEM --key-9a PEM] [--cert-9c PEM --key-9c PEM]\n"
              "                [--pin PIN] [--max-tries N] [--tries N] [--atr HEX] [--guid HEX32]\n"
              "                [--control SOCKET] [--log FILE] [--removed] [--verbose]\n",
              stderr);
}

int main(int argc, char **argv) {
        enum {
                O_CERT9A = 0x100,
                O_KEY9A,
                O_CERT9C,
                O_KEY9C,
                O_CERT9D,
                O_KEY9D,
                O_PIN,
                O_MAXTRIES,
                O_TRIES,
                O_ATR,
                O_GUID,
                O_CONTROL,
                O_LOG,
                O_REMOVED,
                O_PORT,
                O_VERBOSE
        };
        static const struct option options[] = {
                { "port", required_argument, NULL, O_PORT },
                { "cert-9a", required_argument, NULL, O_CERT9A },
                { "key-9a", required_argument, NULL, O_KEY9A },
                { "cert-9c", required_argument, NULL, O_CERT9C },
                { "key-9c", required_argument, NULL, O_KEY9C },
                { "cert-9d", required_argument, NULL, O_CERT9D },
                { "key-9d", required_argument, NULL, O_KEY9D },
                { "pin", required_argument, NULL, O_PIN },
                { "max-tries", required_argument, NULL, O_MAXTRIES },
                { "tries", required_argument, NULL, O_TRIES },
                { "atr", required_argument, NULL, O_ATR },
                { "guid", required_argument, NULL, O_GUID },
                { "control", required_argument, NULL, O_CONTROL },
                { "log", required_argument, NULL, O_LOG },
                { "removed", no_argument, NULL, O_REMOVED },
                { "verbose", no_argument, NULL, O_VERBOSE },
                {},
        };
        const char *certs[3] = { 0 }, *keys[3] = { 0 }, *pin = "123456", *control = NULL, *log_path = NULL;
        const char *atr_hex = "3B888001565049564341524404", *guid_hex = "00112233445566778899AABBCCDDEEFF";
        unsigned max_tries = 3;
        int tries = -1;
        Sim sim = { .vpcd_fd = -1, .inserted = true };
        int c;
        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                switch (c) {
                case O_PORT:
                        sim.port = atoi(optarg);
                        break;
                case O_CERT9A:
                        certs[0] = optarg;
                        break;
                case O_KEY9A:
                        keys[0] = optarg;
                        break;
                case O_CERT9C:
                        certs[1] = optarg;
                        break;
                case O_KEY9C:
                        keys[1] = optarg;
                        break;
                case O_CERT9D:
                        certs[2] = optarg;
                        break;
                case O_KEY9D:
                        keys[2] = optarg;
                        break;
                case O_PIN:
                        pin = optarg;
                        break;
                case O_MAXTRIES:
                        max_tries = (unsigned) atoi(optarg);
                        break;
                case O_TRIES:
                        tries = atoi(optarg);
                        break;
                case O_ATR:
                        atr_hex = optarg;
                        break;
                case O_GUID:
                        guid_hex = optarg;
                        break;
                case O_CONTROL:
                        control = optarg;
                        break;
                case O_LOG:
                        log_path = optarg;
                        break;
                case O_REMOVED:
                        sim.inserted = false;
                        break;
                case O_VERBOSE:
                        sim.verbose = true;
                        break;
                default:
                        usage();
                        return 2;
                }
        }
        uint8_t guid[16];
        size_t guid_len;
        if (sim.port <= 0 || sim.port > 65535 ||
            parse_hex(atr_hex, sim.atr, sizeof sim.atr, &sim.atr_len) < 0 || sim.atr_len < 2 ||
            parse_hex(guid_hex, guid, sizeof guid, &guid_len) < 0 || guid_len != 16) {
                usage();
                return 2;
        }
        /* A test's tokensim never outlives the test. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        signal(SIGPIPE, SIG_IGN);
        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        sim.card = piv_card_new(pin, max_tries, guid);
        if (!sim.card) {
                fprintf(stderr, "tokensim: bad --pin (4-8 characters) or --max-tries (1-15)\n");
                return 2;
        }
        static const uint8_t refs[3] = { 0x9A, 0x9C, 0x9D };
        for (int i = 0; i < 3; i++)
                if (certs[i] && (!keys[i] || load_slot(sim.card, refs[i], certs[i], keys[i]) < 0)) {
                        piv_card_free(sim.card);
                        return 1;
                }
        if (tries >= 0)
                piv_card_set_tries(sim.card, (unsigned) tries);
        if (log_path && !(sim.log = fopen(log_path, "w"))) {
                fprintf(stderr, "tokensim: %s: %s\n", log_path, strerror(errno));
                return 1;
        }
        int control_fd = control ? open_control(control) : -1;
        if (control && control_fd < 0) {
                fprintf(stderr, "tokensim: cannot listen on %s\n", control);
                return 1;
        }

        int clients[MAX_CLIENTS];
        for (int i = 0; i < MAX_CLIENTS; i++)
                clients[i] = -1;
        while (!quit) {
                if (sim.inserted && sim.vpcd_fd < 0) {
                        sim.vpcd_fd = connect_vpcd(sim.port);
                        if (sim.vpcd_fd >= 0 && sim.verbose)
                                fprintf(stderr, "tokensim: connected to vpcd on port %d\n", sim.port);
                }
                struct pollfd pfds[2 + MAX_CLIENTS];
                int n = 0;
                pfds[n++] = (struct pollfd){ .fd = sim.vpcd_fd, .events = POLLIN };
                pfds[n++] = (struct pollfd){ .fd = control_fd, .events = POLLIN };
                for (int i = 0; i < MAX_CLIENTS; i++)
                        pfds[n++] = (struct pollfd){ .fd = clients[i], .events = POLLIN };
                /* Not connected: retry every 200 ms (pcscd may be restarting). */
                if (poll(pfds, (nfds_t) n, sim.vpcd_fd < 0 ? 200 : -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (sim.vpcd_fd >= 0 && (pfds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
                    serve_vpcd(&sim) < 0)
                        disconnect_vpcd(&sim);
                if (control_fd >= 0 && (pfds[1].revents & POLLIN)) {
                        int fd = accept4(control_fd, NULL, NULL, SOCK_CLOEXEC);
                        for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
                                if (clients[i] < 0) {
                                        clients[i] = fd;
                                        fd = -1;
                                }
                        if (fd >= 0)
                                close(fd);
                }
                for (int i = 0; i < MAX_CLIENTS; i++) {
                        if (clients[i] < 0 || !(pfds[2 + i].revents & (POLLIN | POLLHUP)))
                                continue;
                        char line[256];
                        ssize_t got = read(clients[i], line, sizeof line - 1);
                        if (got <= 0) {
                                close(clients[i]);
                                clients[i] = -1;
                                continue;
                        }
                        line[got] = '\0';
                        control_command(&sim, line, clients[i]);
                }
        }
        for (int i = 0; i < MAX_CLIENTS; i++)
                if (clients[i] >= 0)
                        close(clients[i]);
        if (control_fd >= 0) {
                close(control_fd);
                unlink(control);
        }
        disconnect_vpcd(&sim);
        if (sim.log)
                fclose(sim.log);
        piv_card_free(sim.card);
        return 0;
}
