/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-causes.h"

/*
 * What to do about each cause (建议修复项). Kept in one table so the advice reads the same in
 * every frontend and in support reports, and so translators see it all in one place.
 */
static const TdCause causes[] = {
        { "os.unsupported",
          N_("The platform does not support this operating system. Use one it supports "
             "(Debian, Ubuntu, UOS/统信, Kylin/麒麟 or Deepin, at the versions the platform "
             "names), or ask the platform's 客服 whether this one works: {contact}.") },
        { "arch.unsupported",
          N_("The platform driver is not made for this computer's processor. Use a computer "
             "with a supported processor (x86_64, aarch64, loongarch64 or mips64el).") },
        { "locale.traditional",
          N_("The platform needs the system language set to Simplified Chinese. In the system "
             "settings, under region and language, choose 简体中文 (zh_CN.UTF-8), then log out and "
             "in again.") },
        { "locale.not-chinese",
          N_("The platform needs the system language set to Simplified Chinese. In the system "
             "settings, under region and language, choose 简体中文 (zh_CN.UTF-8), then log out and "
             "in again.") },
        { "locale.not-installed",
          N_("Simplified Chinese is chosen but not installed on this computer. Ask this "
             "computer's administrator to run “tokendoctor fix os.locale”, which installs it, "
             "then log out and in again.") },
        { "fonts.no-cjk",
          N_("No Simplified Chinese font is installed, so Chinese text shows as empty boxes. "
             "Ask this computer's administrator to run “tokendoctor fix os.fonts”, which "
             "installs the package fonts-noto-cjk.") },
        { "time.skew", N_("The computer's clock is wrong, and certificates and secure connections fail on a "
                          "wrong clock. Set the date and time right in the system settings and turn on "
                          "automatic time (network time, NTP), or ask this computer's administrator to run "
                          "“tokendoctor fix time.clock”.") },
        { "time.no-reference",
          N_("The time could not be compared because the platform's website could not be "
             "reached. Deal with the network problem first, then run the check again.") },
        { "net.dns", N_("The computer cannot find the platform's website (the name lookup, DNS, failed). "
                        "Check that the network cable or Wi-Fi is connected, and try to open the "
                        "platform's website in the browser; if other websites open but this one does not, "
                        "ask your network administrator about the DNS server or the proxy.") },
        { "net.connect",
          N_("The computer cannot connect to the platform's website. Check the network cable "
             "or Wi-Fi, and try to open the platform's website in the browser; if it does not "
             "open, ask your network administrator about the firewall and the proxy.") },
        { "net.tls", N_("The secure connection (HTTPS) to the platform's website failed. Check the system "
                        "time first, then close any security software that inspects web traffic and try "
                        "again; if it still fails, send the check's result to the platform's 客服: "
                        "{contact}.") },
        { "net.http", N_("The platform's website answered with an error; the problem is probably on the "
                         "platform's side. Try again later; if it persists, tell the platform's 客服: "
                         "{contact}.") },
        { "net.timeout", N_("The platform's website did not respond in time. Check the network and try to "
                            "open the website in the browser, then run the check again.") },
        { "helper.down",
          N_("The platform driver's local signing service (签名服务/驱动助手) is not running. Start it "
             "from the platform driver's entry in the applications menu, or restart the "
             "computer so that it starts by itself; if it still does not respond, install the "
             "platform driver again.") },
        { "helper.untrusted",
          N_("The browser does not trust the certificate of the local signing service. Install "
             "the platform driver again (it installs that certificate), then close every "
             "browser window and open the platform again.") },
        { "trust.missing",
          N_("The browser does not trust the platform's root certificate yet. Close the "
             "browsers and run “tokendoctor fix browser.trust”, or import the certificate file "
             "the check names in the browser's settings (privacy and security, certificates, "
             "authorities, import, and tick “trust this certificate for identifying "
             "websites”); then open the platform again.") },
        { "pcscd.down", N_("The smart card service (pcscd), through which every program reaches the CA "
                           "token, is switched on but not responding. Ask this computer's administrator to "
                           "run “tokendoctor fix drivers.pcscd”, which starts it; if the check still fails "
                           "afterwards, send the check's result to the platform's 客服: {contact}.") },
        { "pcscd.missing",
          N_("The smart card service (pcscd) is not installed. Ask this computer's "
             "administrator to run “tokendoctor fix drivers.pcscd”, which installs the package "
             "pcscd, then run the check again.") },
        { "pcscd.disabled",
          N_("The smart card service (pcscd) is switched off. Ask this computer's "
             "administrator to run “tokendoctor fix drivers.pcscd”, which switches it on, then "
             "run the check again.") },
        { "pcscd.failed",
          N_("The smart card service (pcscd) cannot start: its files are damaged, or it was "
             "blocked on purpose, as the result above says. Ask this computer's administrator "
             "to reinstall the package pcscd; if it still fails, send the check's result to "
             "the platform's 客服: {contact}.") },
        { "pcscd.denied",
          N_("The smart card service refuses this user, as it does in a remote session (SSH or "
             "remote desktop). Use the CA token at this computer's own desktop, or ask this "
             "computer's administrator to run “tokendoctor fix drivers.pcscd”, which lets the "
             "users at this computer's desktop use the service.") },
        { "token.absent", N_("Plug the CA token in. If it is plugged in, pull it out and plug it in again, "
                             "into a USB port of the computer itself (not a hub or the keyboard); if the "
                             "token's light stays off, try another computer.") },
        { "usb.permission",
          N_("The CA token is plugged in, but this user may not open it: this kind of token "
             "needs a permission rule (a udev rule) on the computer. Ask this computer's "
             "administrator to run “tokendoctor fix token.usb” where it is offered above, or "
             "to install the token vendor's driver, which brings the rule; then pull the token "
             "out and plug it in again.") },
        { "ccid.missing",
          N_("The reader driver the CA token needs is not installed. Ask this computer's "
             "administrator to run “tokendoctor fix drivers.ccid”, which installs the package "
             "libccid, or to install the token vendor's reader driver; then pull the token out "
             "and plug it in again.") },
        { "driver.missing",
          N_("The platform driver is not installed, or only half installed. Download the "
             "platform driver for this computer's processor from the platform's home page and "
             "ask this computer's administrator to install it; then run the check again.") },
        { "driver.old", N_("The platform driver installed is older than the platform requires. Download the "
                           "current platform driver from the platform's home page and ask this computer's "
                           "administrator to install it over the old one; then run the check again.") },
        { "driver.conflict",
          N_("The same driver is installed twice, and the copies get in each other's way. "
             "Where “tokendoctor fix drivers.conflict” is offered above, run it (it switches "
             "off the extra registrations and can be undone); otherwise ask this computer's "
             "administrator to uninstall the older platform driver or the extra reader driver "
             "the check names. Then restart the browser and run the check again.") },
        { "browser.none-supported",
          N_("No browser the platform supports is installed. Ask this computer's administrator "
             "to install Google Chrome (the .deb package for this computer, from Google's "
             "download page) or another browser the platform names, then open the platform in "
             "it. The 360, QQ, Sogou, 猎豹 and 2345 browsers are not supported by the platform.") },
        { "browser.unsupported",
          N_("The default browser is one the platform does not support. Run “tokendoctor fix "
             "browser.default” where it is offered above, or in the system settings, under "
             "default applications, choose a supported browser (Google Chrome) for the web; "
             "then open the platform in it.") },
        { "reader.none",
          N_("The smart card service does not see the CA token. Pull the token out and plug it "
             "in again (try another USB port); if the checks above name a missing driver, deal "
             "with that first.") },
        { "card.absent", N_("The CA token is not seen in its reader. Push it in firmly or try another USB "
                            "port; if it is in, pull it out and plug it in again.") },
        { "card.mute", N_("The CA token does not respond. Pull it out, wait a few seconds and plug it in "
                          "again; if that does not help, try another USB port or another computer.") },
        { "module.missing",
          N_("The CA token driver is not installed or is incomplete. Download the platform "
             "driver from the platform's home page and ask this computer's administrator to "
             "install it again; then run the check again.") },
        { "module.wrong-arch",
          N_("The CA token driver installed is made for another kind of processor. Install the "
             "platform driver for this computer's processor (x86_64, aarch64/飞腾, mips64el or "
             "loongarch64/龙芯: there is one package per processor).") },
        { "module.crash", N_("The CA token driver crashed. Install the latest platform driver; if it keeps "
                             "crashing, send the check's result to the platform's 客服: {contact}.") },
        { "module.hang",
          N_("The CA token driver stopped responding. Pull the token out and plug it in again, "
             "close the other programs that use it (the browser, the platform's tools), and "
             "install the latest platform driver if it happens again.") },
        { "module.no-token",
          N_("The CA token driver does not see the CA token. Plug the token in; if it is "
             "plugged in, make sure only one version of the platform driver is installed, the "
             "one for this token.") },
        { "pin.locked", N_("The PIN is locked after too many wrong tries. Stop trying, and contact the "
                           "platform's 客服 to have it unlocked: {contact}.") },
        { "pin.final-try",
          N_("Only one PIN try is left: one more wrong PIN locks the CA token. Do not guess: "
             "enter the PIN only if you are sure of it, and if you are not, contact the "
             "platform's 客服 first: {contact}.") },
        { "pin.count-low",
          N_("Wrong PINs were entered since the CA token was last used, and it does not tell "
             "how many tries are left, so the signing test did not try. If you are sure of the "
             "PIN, log in with it once on the platform (a success resets the count), then run "
             "the signing test again; if you are not, contact the platform's 客服 first: "
             "{contact}.") },
        { "pin.wrong", N_("The PIN was wrong. Each wrong PIN uses up a try, and the CA token locks when "
                          "none is left: try again only if you are sure of the PIN, and if you do not know "
                          "it, contact the platform's 客服: {contact}.") },
        { "sign.mismatch",
          N_("The certificate on the CA token does not match its key, often because a renewal "
             "was interrupted. Do the renewal again (【CA 管理】-【CA 续期】), or ask the platform's "
             "客服 to write the certificate again: {contact}.") },
        { "sign.failed",
          N_("The CA token could not sign. Pull it out, plug it in again and run the signing "
             "test again; if it keeps failing, install the platform driver again and send the "
             "check's result to the platform's 客服: {contact}.") },
        { "cert.none", N_("The CA token holds no certificate: none was written yet, or it was erased. "
                          "Contact the platform's 客服 to have the certificate issued or written again: "
                          "{contact}.") },
        { "cert.expired",
          N_("The certificate has expired. Renew it on the platform: 【CA 管理】-【CA 续期】. After "
             "renewal, make your bid files again with the renewed CA token: it cannot open "
             "files made before.") },
        { "cert.expiring",
          N_("The certificate expires soon. Renew it on the platform in time: 【CA 管理】-【CA 续期】. "
             "After renewal, make your bid files again with the renewed CA token.") },
        { "cert.not-yet-valid",
          N_("The certificate is not valid yet. Check the computer's date and time first; if "
             "they are right, the certificate was just issued: wait until its validity begins.") },
        { "cert.wrong-issuer",
          N_("The certificate on this CA token comes from another certificate authority. Use "
             "the CA token issued for this platform, or check the token with the profile of "
             "the platform it belongs to (“tokendoctor check --profile NAME”).") },
        { "cert.chain", N_("The certificate does not verify against the platform's CA certificate. Send the "
                           "check's result to the platform's 客服: {contact}.") },
        { "engine.check-error",
          N_("tokendoctor could not run this check. Run the check again; if it happens again, "
             "send the check's result to the platform's 客服: {contact}.") },
        { "engine.cycle", N_("This is a fault in tokendoctor itself. Send what “tokendoctor list --json” "
                             "prints to the platform's 客服: {contact}.") },
        { NULL, NULL },
};

const TdCause *td_causes_all(void) {
        return causes;
}

const TdCause *td_cause_lookup(const char *code) {
        if (!code)
                return NULL;
        for (const TdCause *c = causes; c->code; c++)
                if (streq(c->code, code))
                        return c;
        /* Every "<area>.timeout" the engine gives an overrunning check shares one piece of advice. */
        if (td_endswith(code, ".timeout")) {
                static const TdCause timeout = {
                        "*.timeout",
                        N_("The check took too long and was stopped. Run the check again; if it keeps "
                           "hanging, send the check's result to the platform's 客服: {contact}."),
                };
                return &timeout;
        }
        return NULL;
}

const char *td_support_contact(const char *contact) {
        return isempty(contact) ? _("the 【客服】 icon on the platform's home page") : contact;
}

bool td_cause_advice_names_contact(const char *code) {
        const TdCause *c = td_cause_lookup(code);
        return c && strstr(c->advice, TD_CAUSE_CONTACT);
}

char *td_cause_advice_for(const char *code, const char *contact) {
        const TdCause *c = td_cause_lookup(code);
        if (!c)
                return NULL;
        const char *advice = td_gettext(c->advice), *mark = strstr(advice, TD_CAUSE_CONTACT);
        if (!mark)
                return strdup(advice);
        /* A translation names the contact once, as the source does. */
        return td_strdup_printf("%.*s%s%s", (int) (mark - advice), advice, td_support_contact(contact),
                                mark + strlen(TD_CAUSE_CONTACT));
}
