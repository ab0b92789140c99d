/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * tokendoctor watch: token and reader events as they happen, one line each (JSON Lines with
 * --json). Support staff ask a user to run it and pull the token out and put it back: a loose
 * port, a flaky token or a pcscd that restarts shows up at once.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "tokendoctor/td-watch.h"
#include "tokendoctor/td-i18n.h"
#include "tokendoctor/td-json.h"
#include "tokendoctor/td-util.h"

/* With pcscd away there is nothing to block on; how often to ask whether it is back. */
#define RETRY_MS 500

typedef struct {
        TdContext *ctx;
        bool json;
        unsigned count; /* stop after this many changes (0 = never) */
        unsigned seen;
} WatchOutput;

static void print_json(const TdWatchEvent *e, const char *when) {
        _cleanup_free_ char *line = td_watch_event_to_json(e, when);
        if (line)
                puts(line);
}

static void print_text(const TdWatchEvent *e, const char *when) {
        /* Reader names, models and pcsc-lite's messages come from outside: shown, never obeyed. */
        _cleanup_free_ char *reader = td_terminal_text(e->reader), *atr = td_terminal_text(e->atr_text),
                            *model = e->model ? td_terminal_text(e->model) : NULL,
                            *error = td_terminal_text(e->error);
        printf("%s  ", when);
        switch (e->type) {
        case TD_WATCH_READER_ADDED:
                printf(e->initial ? _("Reader \"%s\" is connected.\n") : _("Reader \"%s\" was connected.\n"),
                       reader);
                break;
        case TD_WATCH_READER_REMOVED:
                printf(_("Reader \"%s\" was disconnected.\n"), reader);
                break;
        case TD_WATCH_CARD_INSERTED:
                printf(e->initial ? _("A token is in \"%s\": ATR %s (%s).\n")
                                  : _("Token inserted in \"%s\": ATR %s (%s).\n"),
                       reader, atr, model ? model : _("unknown model"));
                break;
        case TD_WATCH_CARD_MUTE:
                printf(_("A token in \"%s\" does not answer (mute).\n"), reader);
                break;
        case TD_WATCH_CARD_REMOVED:
                printf(_("Token removed from \"%s\".\n"), reader);
                break;
        case TD_WATCH_SERVICE_LOST:
                printf(_("The PC/SC service (pcscd) does not answer: %s. Waiting for it to come back.\n"),
                       error);
                break;
        case TD_WATCH_SERVICE_BACK:
                printf(_("The PC/SC service (pcscd) answers again.\n"));
                break;
        default:
                break;
        }
}

static bool on_event(const TdWatchEvent *e, void *user) {
        WatchOutput *out = user;
        char when[32];
        struct timespec now;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &now);
        if (out->json) {
                gmtime_r(&now.tv_sec, &tm);
                size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
                snprintf(when + n, sizeof when - n, ".%03ldZ", now.tv_nsec / 1000000);
        } else {
                localtime_r(&now.tv_sec, &tm);
                strftime(when, sizeof when, "%H:%M:%S", &tm);
        }
        if (out->json)
                print_json(e, when);
        else
                print_text(e, when);
        fflush(stdout);
        if (!e->initial)
                out->seen++;
        return out->count == 0 || out->seen < out->count;
}

typedef struct {
        TdWatch *watch;
        sigset_t signals;
        atomic_bool finished; /* td_watch_run() returned */
} SignalThread;

/* SIGINT/SIGTERM end the watch cleanly: a thread waits for them and cancels the blocked call. */
static void *wait_for_signal(void *p) {
        SignalThread *st = p;
        int sig;
        if (sigwait(&st->signals, &sig) != 0)
                return NULL;
        /* A cancel can be lost just before the wait begins: repeat it until the watch has ended. */
        while (!atomic_load(&st->finished)) {
                td_watch_stop(st->watch);
                nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000000L }, NULL);
        }
        return NULL;
}

static void watch_help(void) {
        printf(_("Usage: tokendoctor watch [OPTIONS]\n\n"
                 "Show token and reader events as they happen: inserted, removed, readers coming and\n"
                 "going, pcscd stopping and coming back. Ctrl-C ends it.\n\n"
                 "  --json               one JSON object per event and line\n"
                 "  --count N            end after N changes (the state found at start not counted)\n"
                 "  --timeout SECONDS    end after this time\n"
                 "  --profile NAME|FILE  platform profile, for naming token models (default: %s)\n"),
               TD_PROFILE_DEFAULT);
}

int td_cmd_watch(int argc, char **argv) {
        enum { OPT_JSON = 0x100, OPT_COUNT, OPT_TIMEOUT, OPT_PROFILE };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                { "count", required_argument, NULL, OPT_COUNT },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "profile", required_argument, NULL, OPT_PROFILE },
                {},
        };
        WatchOutput out = { 0 };
        unsigned timeout_ms = 0;
        const char *profile_name = TD_PROFILE_DEFAULT;
        optind = 0;
        opterr = 0;
        int c, r;
        while ((c = getopt_long(argc, argv, "+:h", options, NULL)) >= 0) {
                switch (c) {
                case 'h':
                        watch_help();
                        return TD_EXIT_OK;
                case OPT_JSON:
                        out.json = true;
                        break;
                case OPT_COUNT: {
                        char *end;
                        errno = 0;
                        unsigned long n = strtoul(optarg, &end, 10);
                        if (errno || *end || isempty(optarg) || n == 0 || n > 1000000 || optarg[0] == '-')
                                return td_usage_error("watch",
                                                      _("--count '%s': give a whole number greater than 0"),
                                                      optarg);
                        out.count = (unsigned) n;
                        break;
                }
                case OPT_TIMEOUT:
                        if ((r = td_option_timeout("watch", optarg, &timeout_ms)) != 0)
                                return r;
                        break;
                case OPT_PROFILE:
                        if ((r = td_option_profile("watch", optarg, &profile_name)) != 0)
                                return r;
                        break;
                default:
                        return td_option_error("watch", c, argv);
                }
        }
        if (optind < argc)
                return td_usage_error("watch", _("unexpected argument '%s'"), argv[optind]);

        r = td_cli_context_new(profile_name, NULL, &out.ctx);
        if (r != TD_EXIT_OK)
                return r;
        TdWatch *watch = td_watch_new(out.ctx);
        if (!watch) {
                td_context_unref(out.ctx);
                return td_cli_fail("internal", TD_EXIT_FAIL, "%s", strerror(ENOMEM));
        }

        SignalThread st = { .watch = watch };
        sigemptyset(&st.signals);
        sigaddset(&st.signals, SIGINT);
        sigaddset(&st.signals, SIGTERM);
        sigset_t old;
        pthread_sigmask(SIG_BLOCK, &st.signals, &old);
        pthread_t thread;
        bool have_thread = pthread_create(&thread, NULL, wait_for_signal, &st) == 0;

        r = td_watch_run(watch, timeout_ms, RETRY_MS, on_event, &out);
        atomic_store(&st.finished, true);

        if (have_thread) {
                /* The signal thread may still be waiting: give it the signal it waits for. */
                pthread_kill(thread, SIGTERM);
                pthread_join(thread, NULL);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        td_watch_free(watch);
        td_context_unref(out.ctx);
        if (r < 0) {
                return td_cli_fail("pcsc", TD_EXIT_FAIL, "%s", strerror(-r));
        }
        return TD_EXIT_OK;
}
