package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"motcua/sync/intake"
)

func device(args []string, out io.Writer) int {
	if len(args) == 0 {
		return fail("device: add, list or revoke")
	}
	fs := flag.NewFlagSet("device "+args[0], flag.ContinueOnError)
	var sf storeFlags
	sf.register(fs)
	name := fs.String("name", "", "device name (add)")
	certFile := fs.String("cert", "", "client certificate PEM file of the device (add)")
	certSHA := fs.String("cert-sha256", "", "SHA-256 fingerprint of the device's client certificate DER (add)")
	withToken := fs.Bool("token", false, "also issue a bearer token when a certificate is given (add)")
	asJSON := fs.Bool("json", false, "print JSON (list)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := sf.check(); err != nil {
		return fail("device: %v", err)
	}
	r, err := open(sf)
	if err != nil {
		return fail("%v", err)
	}
	defer r.Close()
	switch args[0] {
	case "add":
		if *name == "" {
			return fail("device add needs --name")
		}
		var creds []string
		switch {
		case *certFile != "" && *certSHA != "":
			return fail("device add: give --cert or --cert-sha256, not both")
		case *certFile != "":
			pem, err := os.ReadFile(*certFile)
			if err != nil {
				return fail("%v", err)
			}
			c, err := intake.CertFingerprint(pem)
			if err != nil {
				return fail("%v", err)
			}
			creds = append(creds, c)
		case *certSHA != "":
			c, err := intake.ParseFingerprint(*certSHA)
			if err != nil {
				return fail("%v", err)
			}
			creds = append(creds, c)
		}
		var token string
		if len(creds) == 0 || *withToken {
			token = intake.NewDeviceToken()
			creds = append(creds, intake.CredentialHash(intake.CredToken, []byte(token)))
		}
		d, err := r.AddDevice(bg, *name, creds)
		if err != nil {
			return fail("device add: %v", err)
		}
		fmt.Fprintf(out, "device %s enrolled as %q\n", d.ID, d.Name)
		if token != "" {
			fmt.Fprintf(out, "token (shown once, only its hash is kept): %s\n", token)
		}
		return 0
	case "list":
		devs, err := r.Devices(bg)
		if err != nil {
			return fail("%v", err)
		}
		if *asJSON {
			for i := range devs {
				devs[i].Credentials = nil
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			enc.Encode(devs)
			return 0
		}
		fmt.Fprintf(out, "%-20s  %-30s  %-8s  %s\n", "ID", "NAME", "STATE", "LAST HEARTBEAT (UTC)")
		for _, d := range devs {
			state, hb := "active", "—"
			if d.Revoked() {
				state = "revoked"
			}
			if !d.LastHeartbeatAt.IsZero() {
				hb = d.LastHeartbeatAt.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(out, "%-20s  %-30s  %-8s  %s\n", d.ID, d.Name, state, hb)
		}
		return 0
	case "revoke":
		if fs.NArg() != 1 {
			return fail("device revoke needs the device ID")
		}
		if err := r.RevokeDevice(bg, fs.Arg(0)); err != nil {
			return fail("device revoke: %v", err)
		}
		fmt.Fprintf(out, "device %s revoked; its next request is refused\n", fs.Arg(0))
		return 0
	}
	return fail("device: unknown subcommand %q (add, list, revoke)", args[0])
}
