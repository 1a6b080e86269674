package intake

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type ctxKey int

const (
	deviceKey ctxKey = iota
	adminKey
)

// deviceOf returns the authenticated device of a request.
func deviceOf(r *http.Request) string {
	d, _ := r.Context().Value(deviceKey).(Device)
	return d.ID
}

// deviceRecordOf returns the authenticated device's record (as read at the
// start of the request).
func deviceRecordOf(r *http.Request) Device {
	d, _ := r.Context().Value(deviceKey).(Device)
	return d
}

// mayAccess reports whether the request's caller may see or change d: the
// device it is bound to, or the operator.
func mayAccess(r *http.Request, d Dossier) bool {
	if r.Context().Value(adminKey) == true {
		return true
	}
	return ownerOf(d.Device) == deviceOf(r)
}

// authError is a refusal with the answer the caller gets.
type authError struct {
	code int
	msg  string
}

func (e *authError) Error() string { return e.msg }

var errNoCredentials = &authError{http.StatusUnauthorized, "missing or wrong bearer token"}

// identify finds the device of a request. The device is looked up in the
// store on every request, so a revocation takes effect on the next one.
// A client certificate that is enrolled names the device; a bearer token
// then must name the same device. Otherwise the bearer token decides: the
// shared pilot token, or an enrolled device's token.
func (s *Server) identify(r *http.Request) (Device, error) {
	bearer, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	hasBearer = hasBearer && bearer != ""
	var byCert *Device
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		cred := CredentialHash(CredCert, r.TLS.PeerCertificates[0].Raw)
		d, err := s.store.DeviceByCredential(r.Context(), cred)
		switch {
		case err == nil:
			if d.Revoked() {
				return Device{}, &authError{http.StatusUnauthorized, "device revoked"}
			}
			byCert = &d
		case !errors.Is(err, ErrNoDevice):
			return Device{}, err
		}
	}
	if !hasBearer {
		if byCert != nil {
			return *byCert, nil
		}
		return Device{}, errNoCredentials
	}
	var d Device
	if s.token != "" && subtle.ConstantTimeCompare([]byte(bearer), []byte(s.token)) == 1 {
		d = Device{ID: PilotDevice, Name: PilotDevice}
	} else {
		var err error
		d, err = s.store.DeviceByCredential(r.Context(), CredentialHash(CredToken, []byte(bearer)))
		if errors.Is(err, ErrNoDevice) {
			return Device{}, errNoCredentials
		}
		if err != nil {
			return Device{}, err
		}
		if d.Revoked() {
			return Device{}, &authError{http.StatusUnauthorized, "device revoked"}
		}
	}
	if byCert != nil && byCert.ID != d.ID {
		return Device{}, &authError{http.StatusUnauthorized, "client certificate and bearer token name different devices"}
	}
	return d, nil
}

// auth admits enrolled devices (and the operator, who acts on any dossier),
// rate-limited per device.
func (s *Server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.isAdmin(r) {
			next(w, r.WithContext(context.WithValue(context.WithValue(r.Context(), adminKey, true), deviceKey, Device{ID: "admin"})))
			return
		}
		d, err := s.identify(r)
		if err != nil {
			var ae *authError
			if !errors.As(err, &ae) {
				s.log.Error("device look-up", "err", err)
				writeError(w, http.StatusServiceUnavailable, "store failure")
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="motcua-intake"`)
			writeError(w, ae.code, ae.msg)
			return
		}
		if wait, ok := s.limiter.allow(d.ID, s.now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			writeError(w, http.StatusTooManyRequests, "rate limit of this device exceeded")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), deviceKey, d)))
	}
}

func (s *Server) isAdmin(r *http.Request) bool {
	if s.adminToken == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer "+s.adminToken)) == 1
}

// admin admits only the operator.
func (s *Server) admin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.isAdmin(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="motcua-intake-admin"`)
			writeError(w, http.StatusUnauthorized, "operator token required")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), adminKey, true)))
	}
}
