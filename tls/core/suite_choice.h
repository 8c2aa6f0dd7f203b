/* The cipher-suite families (MH_SUITE_*) a host restricts both engines'
 * offers to: one mask, read by the TLS 1.2 engine (its ECDHE-ECDSA and
 * ECDHE-RSA suites of each family) and by the TLS 1.3 ClientHello (the
 * family's one TLS 1.3 suite). */
#ifndef SUITE_CHOICE_H
#define SUITE_CHOICE_H

/* 0, or MH_ERR_CONFIG (mask unchanged) when the mask has an unknown bit or
 * no family this build has. */
int suite_choice_set(unsigned mask);

/* The families in force: every family this build has until a host sets one. */
unsigned suite_choice_mask(void);

#endif
