// Package localapi is the local integration API (`motcua serve`): HTTP and
// WebSocket on loopback only, for software already on the desk (hospital
// information systems, notary registries, usually in a browser).
//
// It serves card inserted/removed/read events over a WebSocket, the
// identity as JSON (the `motcua read --json` schema, cccd.ReadResult), the
// verification verdicts, the photo on request, QR scans (which also give the
// key that opens the chip), and "create dossier" into the outbox.
//
// Every caller is an application paired once by an operator
// (`motcua serve pair`), presenting its token as "Authorization: Bearer" or,
// from a browser WebSocket, as the subprotocol "bearer.TOKEN". Requests whose
// Host is not a loopback name, or whose Origin is not configured, are
// refused; CORS headers are sent only for configured origins. The sensitive
// fields (photo, ethnicity, religion) go only to applications granted them.
//
// The card side is a reader.Terminal and a key source, so tests plug in the
// simulated reader of hwtest/simcard.
package localapi
