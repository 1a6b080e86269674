// Package reader reads a CCCD chip end to end: EF.CardAccess, PACE with the
// CAN (BAC as the fallback), secure messaging, then the data groups with the
// identity first, so a form can appear before the photo has arrived; and it
// turns what was read into the verification verdicts.
//
// E-passports read the same way with the MRZ as the key (typed as
// number/birth/expiry, or both TD3 lines as scanned): PACE with the MRZ, or
// BAC. A passport has no DG13: its identity is the MRZ of DG1 (names
// without diacritics; a Vietnamese passport's personal number is the
// holder's ID number), ReadResult.Document says "passport", and its face
// is usually JPEG 2000 (decoded by package jp2). The verdicts are the same.
//
// Lower layers: iso7816 (APDUs), tlv, icao (access control and secure
// messaging), lds (file formats), pa (Passive Authentication), pcsc (the
// PC/SC transport).
//
// # Verdicts
//
// A read carries two verdicts, never collapsed into one boolean before
// cccd.Verification.Verified:
//
//   - passive (Passive Authentication): verified, chain_unknown, failed;
//   - chip_auth (clone detection, Chip or Active Authentication): passed,
//     failed, not_supported (not_checked only when no verdict was formed).
//
// Every verdict other than verified/passed/not_supported carries a reason.
// The rules, applied in this order (reader.verify, reader.settleCA):
//
//  1. What EF.SOD signs must be given. The set of data groups read is
//     compared with the set EF.SOD signs. A data group that EF.SOD signs,
//     that the reader asked for, and that the chip did not give (file not
//     found, access refused, not readable whole) fails: DG14 or DG15 makes
//     chip_auth failed ("EF.SOD signs DG14 but the chip did not give it");
//     any other makes passive failed. Data groups the reader does not ask
//     for (DG3/DG4, protected by Extended Access Control; DG2 when the photo
//     is skipped on purpose) are not judged.
//     EF.CardAccess is not signed: the PACE variant it announced and the
//     reader used must be listed in the signed DG14 whenever DG14 lists
//     PACE at all; otherwise passive is failed ("EF.CardAccess was
//     altered", a downgrade).
//     EF.CardSecurity (read from the master file right after PACE when
//     EF.CardAccess announces Terminal Authentication or PACE-CAM) is
//     verified like EF.SOD (signature, signer valid when it signed, chain:
//     failed, or chain_unknown, carries over to passive) and must carry
//     every SecurityInfo of EF.CardAccess byte for byte; otherwise passive
//     is failed ("EF.CardAccess lists …, which the signed EF.CardSecurity
//     does not"). A chip without EF.CardSecurity is not judged for it.
//  2. What the chip announces it must prove: Chip Authentication. When
//     EF.CardAccess announces Chip Authentication, or DG14 does (a
//     ChipAuthenticationInfo, or a Chip Authentication key alone, which on
//     older chips means CA version 1 with 3DES), or EF.SOD
//     signs a DG14 the chip did not give, chip_auth is passed only if Chip
//     Authentication ran and passed (rule 4); anything else — DG14 missing,
//     unreadable, refused or malformed, a key this reader cannot use (not
//     EC, or explicit parameters that are not a named curve, rule 6), Chip
//     Authentication not attempted, refused by the chip, or interrupted —
//     is chip_auth failed with the reason, never not_supported.
//     2b. PACE-CAM. When EF.CardAccess announces PACE with Chip
//     Authentication Mapping, the reader runs it (before generic mapping)
//     and chip_auth is passed only if it ran and its proof held: the
//     chip's Encrypted Chip Authentication Data (DO 8A of the last GENERAL
//     AUTHENTICATE) decrypts to CA_IC with CA_IC · PK_IC = PK_Map,IC for
//     the static Chip Authentication key PK_IC of every signed source
//     read (EF.CardSecurity, DG14) that holds one on the PACE curve.
//     Missing or malformed data, a key that does not match, a chip that
//     refuses CAM (the read continues with generic mapping), or no signed
//     key to check against is chip_auth failed with the reason, never
//     not_supported. A resumed read runs PACE-CAM again and each session's
//     proof is judged. Chip Authentication is not run on top: it would
//     prove the same key; a passed PACE-CAM satisfies rule 2.
//  3. Likewise Active Authentication: when EF.SOD signs DG15 (or DG15 was
//     read) and rule 2 does not apply, chip_auth is passed only if Active
//     Authentication verified the chip's signature over a fresh challenge
//     with the DG15 key; a DG15 not given, not attempted or failed is
//     chip_auth failed.
//  4. passed needs proof. After the Chip Authentication key switch, the
//     verdict is passed only on a response that verified under the new
//     keys (success, or a protected status word). A response that does
//     not verify (wrong MAC, unprotected, malformed) is failed, a probable
//     clone. No answer (a transport error after the key switch: PC/SC comm
//     error, timeout, reset, a card that stays mute, a plain 6700 to an
//     extended read) leaves the proof owed: the reader re-establishes
//     secure messaging and redoes Chip Authentication on the new session;
//     a second interruption is failed. Every later session re-established
//     after a transport error redoes Chip Authentication too, so every file
//     after it is read under keys only the genuine chip can derive. A card
//     removed from the reader ends the read with an error, not a verdict.
//  5. not_supported only when nothing signed or announced asks for a proof:
//     EF.CardAccess announces no Chip Authentication, EF.SOD signs neither
//     DG14 nor DG15 (and none was read). When EF.SOD cannot be read or
//     parsed, passive is failed and what it signs is unknown: rules 2 and 3
//     then follow EF.CardAccess and the files read.
//  6. Keys are refused, not computed with, when they are hostile: explicit
//     EC parameters are accepted only when they equal a named curve field
//     for field (lds.ErrExplicitCurve), in the document signer certificate,
//     a CSCA, DG14 and DG15; more than 1 KB of parameters is refused before
//     it is decoded. The verdict names the refusal.
//  7. Verified() is true only for passive verified with chip_auth passed or
//     not_supported.
//
// The photo is not part of the verdict: a DG2 image over the byte or pixel
// budget (lds.CheckPhoto) is not kept (ReadResult.PhotoRefused says why)
// while DG2 itself is still checked against EF.SOD.
//
// # Transport faults
//
// A transient error (the card still present) resumes the file where it
// stopped on a new session, at most Options.Retries times per file. A card
// that announces extended length and answers an extended protected READ
// BINARY with a plain 6700 gets a new session with short APDUs and the read
// continues (icao.ErrExtendedRefused); the verdicts do not change.
package reader
