package capture

import "motcua/kiosk/catalog"

// Offer returns the attachments of a service the desk may capture: those
// the catalogue asks for. An attachment replaced by data the state holds
// (replaced_by) is never offered.
func Offer(s *catalog.Service) []catalog.Attachment {
	return s.AttachmentsToAsk()
}

// Offered reports whether the attachment id may be captured for service s.
func Offered(s *catalog.Service, id string) bool {
	for _, a := range s.AttachmentsToAsk() {
		if a.ID == id {
			return true
		}
	}
	return false
}
