/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fontconfig, loaded when os.fonts first asks it something. It brings freetype, libpng, expat and
 * brotli: mapping them at every start of tokendoctor costs time that runs without os.fonts (the
 * token checks, `cert`, `watch`) would pay for nothing.
 */
#pragma once

#include <fontconfig/fontconfig.h>

/* Every function td-fonts.c calls. */
#define TD_FONTCONFIG_FUNCTIONS(X)                                                                          \
        X(FcCharSetHasChar)                                                                                 \
        X(FcConfigCreate)                                                                                   \
        X(FcConfigDestroy)                                                                                  \
        X(FcConfigGetFontDirs)                                                                              \
        X(FcConfigGetFonts)                                                                                 \
        X(FcConfigParseAndLoadFromMemory)                                                                   \
        X(FcConfigSubstitute)                                                                               \
        X(FcDefaultSubstitute)                                                                              \
        X(FcFini)                                                                                           \
        X(FcFontSetCreate)                                                                                  \
        X(FcFontSetDestroy)                                                                                 \
        X(FcFontSetList)                                                                                    \
        X(FcFontSetMatch)                                                                                   \
        X(FcFreeTypeQueryAll)                                                                               \
        X(FcInitLoadConfigAndFonts)                                                                         \
        X(FcLangSetAdd)                                                                                     \
        X(FcLangSetCreate)                                                                                  \
        X(FcLangSetDestroy)                                                                                 \
        X(FcObjectSetBuild)                                                                                 \
        X(FcObjectSetDestroy)                                                                               \
        X(FcPatternAddLangSet)                                                                              \
        X(FcPatternAddString)                                                                               \
        X(FcPatternCreate)                                                                                  \
        X(FcPatternDel)                                                                                     \
        X(FcPatternDestroy)                                                                                 \
        X(FcPatternDuplicate)                                                                               \
        X(FcPatternGetCharSet)                                                                              \
        X(FcPatternGetString)                                                                               \
        X(FcStrListDone)                                                                                    \
        X(FcStrListNext)                                                                                    \
        X(FcUcs4ToUtf8)                                                                                     \
        X(FcUtf8ToUcs4)

/* The functions as pointers with fontconfig's own prototypes: fc->FcPatternCreate(). */
typedef struct {
#define TD_FC_MEMBER(f) __typeof__(f) *f;
        TD_FONTCONFIG_FUNCTIONS(TD_FC_MEMBER)
#undef TD_FC_MEMBER
} TdFontconfig;

/*
 * fontconfig's functions, loaded once per process (thread-safe). 0 and *@ret (static), or
 * -ENOENT when the library cannot be loaded; the same answer every time.
 */
int td_fontconfig_get(const TdFontconfig **ret);
