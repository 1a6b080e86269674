// Package logx sets up the agent's structured logs: log/slog JSON to
// stderr, a file or the systemd journal (native protocol, pure Go), always
// behind a redaction layer.
//
// The redaction layer (Redactor) is a slog.Handler wrapper that nothing
// personal gets through:
//
//   - every run of 9 or more digits anywhere (messages, string attributes,
//     error texts, values inside structs, maps and slices) is masked as its
//     first 3 and last 3 digits (CMND and CCCD numbers); integers of 9 to 12
//     digits are masked the same way;
//   - attributes and groups whose key names a person's name, an address, an
//     image, the CAN, ethnicity, religion or a credential have their value
//     replaced by "[redacted]", at any depth, including keys inside structs
//     and maps logged as one attribute;
//   - values a Scrubber holds (the current card holder's name and address,
//     registered for the session) are replaced wherever they appear in text,
//     so a name inside an error message does not get through either.
package logx
