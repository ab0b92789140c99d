/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stddef.h>

#include "td-i18n.h"
#include "td-util.h"
#include "tokendoctor/td-causes.h"

/*
 * What to do about each cause (建议修复项). Kept in one table so the advice reads the same in
 * every frontend and in support reports, and so translators see it all in one place.
 */
static const TdCause causes[] = {
        { "os.unsupported",
          N_("Use a distribution the platform supports (Debian, Ubuntu, UOS/统信, Kylin/麒麟 or Deepin at "
             "the "
             "version the profile names), or ask the platform's support whether yours works.") },
        { "arch.unsupported",
          N_("The platform's driver is not built for this processor. Use a computer with a supported "
             "architecture (x86_64, aarch64, loongarch64 or mips64el).") },
        { "locale.traditional",
          N_("The platform needs a Simplified Chinese system. Switch the system language to 简体中文 "
             "(zh_CN.UTF-8) and log in again.") },
        { "locale.not-chinese",
          N_("The platform needs a Simplified Chinese system. Switch the system language to 简体中文 "
             "(zh_CN.UTF-8) and log in again.") },
        { "locale.not-installed",
          N_("The zh_CN.UTF-8 locale is selected but not generated. Generate it (as root: "
             "add zh_CN.UTF-8 to /etc/locale.gen and run locale-gen) and log in again.") },
        { "fonts.no-cjk",
          N_("Install a Simplified Chinese font, for example the package fonts-noto-cjk, so that Chinese "
             "text shows instead of empty boxes.") },
        { "time.skew",
          N_("Set the system clock right and turn on network time (NTP): certificates and secure "
             "connections fail on a wrong clock.") },
        { "time.no-reference",
          N_("The platform server could not be reached to compare clocks. Check the network first, "
             "then run the check again.") },
        { "net.dns",
          N_("The platform's host name could not be resolved. Check the network connection and the DNS "
             "server settings (or the proxy).") },
        { "net.connect",
          N_("No connection to the platform server. Check the network cable or Wi-Fi, the firewall and "
             "the proxy settings.") },
        { "net.tls", N_("The secure connection to the platform failed. Check the system clock, and that no "
                        "security software intercepts HTTPS; install the platform's root certificate if it "
                        "asks for one.") },
        { "net.http",
          N_("The platform server answered with an error. Try again later; if it persists, contact the "
             "platform's support.") },
        { "net.timeout", N_("The platform server did not answer in time. Check the network and the proxy, "
                            "then try again.") },
        { "helper.down",
          N_("The platform's local signing service (签名服务/驱动助手) is not running. Start it from the "
             "platform driver's menu entry, or restart the computer so that it starts by itself; if it "
             "still does not answer, re-install the platform driver.") },
        { "helper.untrusted",
          N_("The browser does not trust the local signing service's certificate. Re-install the platform "
             "driver (it installs the certificate the service uses), then close every browser window and "
             "open the platform again.") },
        { "trust.missing",
          N_("Import the platform's root certificate into the browser: run the platform's root certificate "
             "installer (根证书安装), or in the browser open settings, privacy and security, certificates, "
             "authorities, import the file the check names and tick \"trust this certificate for "
             "identifying "
             "websites\"; then close every browser window and open the platform again.") },
        { "pcscd.down",
          N_("Start the smart card service: in a terminal, `sudo systemctl restart pcscd.socket` (where the "
             "check could not tell whether pcscd is installed and switched on, first `sudo apt install "
             "pcscd` and `sudo systemctl enable pcscd.socket`). If the check still fails, `systemctl status "
             "pcscd.socket pcscd.service` says why; send what it shows to support.") },
        { "pcscd.missing",
          N_("Install the smart card service: in a terminal, `sudo apt install pcscd`, then run the check "
             "again.") },
        { "pcscd.disabled",
          N_("Switch the smart card service on: in a terminal, `sudo systemctl enable --now pcscd.socket`. "
             "If the check says it is masked, unmask it first: `sudo systemctl unmask pcscd.socket && sudo "
             "systemctl enable --now pcscd.socket`.") },
        { "pcscd.failed",
          N_("The smart card service cannot start. If pcscd.service is masked: `sudo systemctl unmask "
             "pcscd.service && sudo systemctl restart pcscd.socket`; if the package's files are missing or "
             "damaged: `sudo apt install --reinstall pcscd`. `systemctl status pcscd.socket pcscd.service` "
             "says why it fails.") },
        { "pcscd.denied",
          N_("The smart card service refuses this user. Use the token from a local desktop session, or "
             "install a polkit rule that allows your user the actions org.debian.pcsc-lite.access_pcsc and "
             "access_card.") },
        { "token.absent",
          N_("Plug the CA token in. If it is plugged in, take it out and in again, and try another USB port "
             "on the computer itself (not a hub or a keyboard); if the token's light stays off, try another "
             "computer.") },
        { "usb.permission",
          N_("This token is not a smart card (CCID) device, so the desktop user must be allowed to open it "
             "through a udev rule. Install the token vendor's driver package, which ships one, or save the "
             "rule "
             "tokendoctor shows (udev_rule) as root in /etc/udev/rules.d/, run `udevadm control --reload`, "
             "and "
             "plug the token in again.") },
        { "ccid.missing",
          N_("Install the smart card reader driver: as root, `apt install libccid`, then restart pcscd "
             "(`systemctl restart pcscd`). If the token is still not listed, install the token vendor's "
             "reader "
             "driver or a newer libccid.") },
        { "driver.missing",
          N_("Install the platform's driver package, from the platform's download page or its CA service "
             "desk, in the version for this computer's processor; then run the check again. A package that "
             "is only partly installed is finished as root with `dpkg --configure -a`, or installed "
             "again.") },
        { "driver.old",
          N_("Install the platform's current driver over the old one (download it from the platform again; "
             "as root: `apt install ./PACKAGE.deb`), then run the check again.") },
        { "driver.conflict",
          N_("Keep one copy of each driver. Uninstall the older driver package (as root: `apt remove "
             "PACKAGE`); switch off a doubled PKCS#11 registration by deleting its .module file in "
             "~/.config/pkcs11/modules, or as root in /etc/pkcs11/modules, or by writing `module:` with "
             "nothing after it in a file of the same name in ~/.config/pkcs11/modules; remove the "
             "reader driver you do not need from /usr/lib/pcsc/drivers and restart pcscd. Then restart "
             "the browser and run the check again.") },
        { "browser.none-supported",
          N_("Install a browser the platform supports: Google Chrome, from its download page (the .deb for "
             "this computer), or as the profile names; then open the platform in it. Other browsers (360, "
             "QQ, Sogou, 猎豹, 2345) are not supported by the platform.") },
        { "browser.unsupported",
          N_("Open the platform in a browser it supports (Google Chrome), and make that browser the "
             "default one: in the system settings, under default applications, choose it for the web; "
             "then run the check again.") },
        { "reader.none",
          N_("Plug the CA token in (try another USB port), and install the platform's driver if the token "
             "needs one.") },
        { "card.absent",
          N_("Insert the CA token firmly, or try another USB port; if it is inserted, take it out and plug "
             "it in again.") },
        { "card.mute",
          N_("The token does not answer: take it out, wait a few seconds and plug it in again; if that does "
             "not help, try another USB port or computer.") },
        { "module.missing",
          N_("Install (or reinstall) the platform's driver program for the CA token; the profile names the "
             "driver library it needs.") },
        { "module.wrong-arch",
          N_("Install the driver built for this computer's processor (x86_64, aarch64/飞腾, mips64el or "
             "loongarch64/龙芯); the vendor publishes one package per processor.") },
        { "module.crash",
          N_("The token's driver crashed. Reinstall the latest driver from the platform; if it keeps "
             "crashing, send this result to the platform's support.") },
        { "module.hang",
          N_("The token's driver stopped answering. Take the token out and plug it in again, close other "
             "programs that use it, and reinstall the latest driver if it happens again.") },
        { "module.no-token",
          N_("The driver sees no token: plug the CA token in, and make sure it is the driver for this token "
             "model (uninstall other versions of the platform driver).") },
        { "pin.locked",
          N_("The PIN is locked after too many wrong tries. Unlock it with the PUK in the token vendor's "
             "tool, or contact the platform's CA service desk; do not keep trying.") },
        { "pin.final-try",
          N_("Only the last PIN try is left. Enter the PIN once, carefully, in the platform's own tool — a "
             "wrong one locks the token — or ask the CA service desk to reset it.") },
        { "pin.count-low",
          N_("Wrong PINs were entered since the token was last used successfully, and how many tries are "
             "left is unknown. Log in once with the correct PIN in the platform's own tool (a success "
             "resets the count), then run the signing test again; if you are not sure of the PIN, ask "
             "the CA service desk before trying.") },
        { "pin.wrong",
          N_("Check the PIN (it is set when the token is issued; 初始PIN in the CA's letter) and try again. "
             "Each wrong PIN uses up a try; the token locks when none are left.") },
        { "sign.mismatch",
          N_("The certificate on the token does not match its key — often a renewal that was interrupted. "
             "Run the renewal (【CA 管理】-【CA 续期】) again, or ask the CA service desk to write the "
             "certificate again.") },
        { "sign.failed",
          N_("The token could not sign. Take it out and plug it in again and retry; if it keeps failing, "
             "reinstall the platform driver and send this result to support.") },
        { "cert.none",
          N_("The token holds no signing certificate: it may be new or was wiped. Contact the platform's "
             "CA service to have the certificate issued or written again.") },
        { "cert.expired",
          N_("Renew the certificate on the platform: 【CA 管理】-【CA 续期】. Bid files made with the old "
             "certificate must be made again after renewal.") },
        { "cert.expiring", N_("Renew the certificate soon on the platform: 【CA 管理】-【CA 续期】. After "
                              "renewal, make your bid "
                              "files again with the renewed token.") },
        { "cert.not-yet-valid",
          N_("Check the system date and time first; if they are right, the certificate was just issued: "
             "wait until it becomes valid.") },
        { "cert.wrong-issuer",
          N_("This token's certificate comes from another CA. Use the CA token issued for this platform, or "
             "choose the profile of the platform this token belongs to.") },
        { "cert.chain",
          N_("The certificate does not verify against the platform's CA certificate: contact the platform's "
             "CA service.") },
        { "engine.check-error", N_("tokendoctor could not run this check. Run it again; if it persists, "
                                   "contact support with the output of `tokendoctor check --json`.") },
        { "engine.cycle", N_("This is a bug in tokendoctor: please report it with the output of "
                             "`tokendoctor list --json`.") },
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
                        N_("The check took too long and was stopped. Run it again; if it keeps "
                           "hanging, contact support with the output of `tokendoctor check --json`."),
                };
                return &timeout;
        }
        return NULL;
}

const char *td_cause_advice(const char *code) {
        const TdCause *c = td_cause_lookup(code);
        return c ? td_gettext(c->advice) : NULL;
}
