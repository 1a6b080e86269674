// Package office is the office link: the machines of one office (the
// kiosks in the hall, the officers' desks, a desk's headless `motcua
// serve`) talk to each other directly over the office LAN. Its first use is
// the kiosk's "Gọi cán bộ hỗ trợ": the call reaches the desks of the same
// office even when the province hub or the internet is down, because the
// kiosk is offline-first and a person asking for help must not wait on the
// WAN.
//
// # Protocol (motcua office link, version 1)
//
// Every message is one HTTP/1.1 POST from one machine to a peer's
// [office] listen address:
//
//	POST /office/v1/help            kiosk → desks: a call for an officer
//	POST /office/v1/help.answered   desk → every peer: "coming", the call's id
//
// The body is a JSON object (at most MaxBody bytes, unknown fields
// refused):
//
//	help:          {"v":1,"id":"<16 to 32 hex>","from":"kiosk-01","office":"UBND xã A",
//	                "step":"identity","visit_step":2,"visit_steps":5,"at":"RFC 3339"}
//	help.answered: {"v":1,"id":"<the call's id>","from":"quay-3","answer":"coming","at":"RFC 3339"}
//
// Three headers authenticate it:
//
//	Motcua-Office-Time:      the sender's clock, Unix seconds
//	Motcua-Office-Nonce:     32 hex digits, random, never reused
//	Motcua-Office-Signature: hex HMAC-SHA256(office key, "motcua-office/v1\n" + method + "\n" +
//	                         path + "\n" + time + "\n" + nonce + "\n" + hex SHA-256(body))
//
// The office key is 32 random bytes shared by the office's machines,
// written by `motcua office key FILE` as 64 hex digits in a file only its
// owner may read (a key file readable by group or others is refused).
//
// A receiver refuses, in this order, each with a typed error (Refusal) that
// is logged by its reason only, never with the message's content: a flood
// from one peer address (token bucket per address: 429), a body over
// MaxBody (413), a missing or wrong signature (401), a time further than
// MaxSkew from its own clock (401), a nonce already seen within the skew
// window (409; the cache is bounded, and when it is full of live nonces
// new messages are refused, 503, rather than let a replay through), an
// unknown message type (404), a body that is not a valid message (400).
// Accepted: 204, no body. The sender counts a peer as reached on 204 only.
//
// The answer travels back the same way: every machine with the link
// configured listens and knows its peers, and a desk sends help.answered
// to all of them, so the calling kiosk says "Cán bộ đang đến" and the
// other desks clear the same call from their banners.
//
// # What the link carries, and its caveat
//
// Messages carry no personal data: a machine's name, the office's name, a
// step of the visit, a random call id, times. The link is authenticated
// (only holders of the office key can raise or answer a call; a captured
// message cannot be replayed) but not encrypted: anyone on the LAN can read
// that kiosk-01 called for help at step 2. TLS was weighed and left out:
// it would need certificates issued and renewed for every kiosk and desk of
// every commune office, for messages that hide nothing worth hiding, and
// the HMAC already gives what matters (authenticity, freshness). The
// response (204) is not signed: someone on the LAN path could make a
// kiosk believe a call was delivered; it cannot forge an answer, which is
// a signed message of its own.
package office
