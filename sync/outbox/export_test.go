package outbox

// WriteLegacyStore is writeLegacyStore for the external tests.
var WriteLegacyStore = writeLegacyStore
