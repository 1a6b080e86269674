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
// fields (photo, ethnicity, religion) go only to applications granted them,
// and clinic check-ins (clinic.checkin, health data) only to applications
// granted "health".
//
// Dossiers are built through kiosk/dossier (the one versioned format) from a
// service of the catalogue; include_card is bound to the card session the
// caller saw; an Idempotency-Key makes retries safe across restarts.
// Unpairing closes an application's open event sockets at once.
//
// The API is an adapter over kiosk/engine, the one conductor of the reader
// slot (the app's screens are another): the engine's ordered event stream
// becomes the WebSocket events, QR scans and typed keys are engine intents,
// the card and its session come from the engine, and dossiers leave through
// the engine's outbox and worker. Tests run it on the simulated reader of
// hwtest/simcard. The server answers before any reader is attached (state
// no_reader) and the engine takes one later with Attach.
//
// openapi.yaml is the integrator's reference (browsers and Chromium's Local
// Network Access included); example/index.html is a working page, tried in
// headless Chromium by TestExamplePageInChromium.
package localapi
