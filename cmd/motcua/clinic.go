package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/kiosk/clinic"
	"motcua/reader/cccd"
)

func init() {
	// "motcua clinic" alone (or with flags) starts the clinic check-in app;
	// its sub-commands talk to the gateway without a screen.
	register("clinic", "start the clinic check-in app; clinic lookup | check-gateway: BHYT look-ups without a screen", func(args []string) int {
		return subcommands("clinic", args, []sub{
			{"lookup", "look a patient's BHYT card up from an identity file (as `motcua read --json` prints it)", clinicLookup},
			{"check-gateway", "log in to the configured gateway and look up a fictitious card: what did it answer?", clinicCheckGateway},
		}, func(a []string) int { return startAppBinary("clinic", a) })
	})
}

// clinicGateway loads the configuration and builds its gateway client.
func clinicGateway(af *agentFlags) (*config.Config, *clinic.HTTPGateway, int) {
	cfg, err := af.load()
	if err != nil {
		return nil, nil, configFailure(err)
	}
	g, err := agent.ClinicGateway(cfg)
	if err != nil {
		return nil, nil, fail("clinic: %v", err)
	}
	if g == nil {
		return nil, nil, fail("clinic: no gateway configured (kiosk.gateway_url, gateway_user, gateway_password)")
	}
	return cfg, g, -1
}

func clinicLookup(args []string) int {
	fs := newFlags("clinic lookup", "--identity ID.json [--card-code CODE] [--config FILE] [--json]")
	idFile := fs.String("identity", "", "identity file, as `motcua read --json` prints it")
	cardCode := fs.String("card-code", "", "the BHYT card code, when the patient has it (else the ID number is looked up)")
	asJSON := fs.Bool("json", false, "JSON output")
	af := addAgentFlags(fs, false)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if *idFile == "" {
		return fail("clinic lookup needs --identity")
	}
	id, err := readIdentity(*idFile)
	if err != nil {
		return fail("clinic lookup: %v", err)
	}
	cfg, g, code := clinicGateway(af)
	if code >= 0 {
		return code
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := g.Lookup(ctx, clinic.LookupRequest{CardCode: *cardCode, IDNumber: id.IDNumber, FullName: id.FullName,
		DateOfBirth: id.DateOfBirth, Staff: agent.ClinicStaff(cfg)})
	if err != nil {
		// One line: unreachable, login refused, or input the look-up cannot take.
		return fail("clinic lookup: %v", err)
	}
	if *asJSON {
		return printJSON(os.Stdout, res)
	}
	printLookup(os.Stdout, res)
	return 0
}

// readIdentity reads the identity of an identity file: a `motcua read
// --json` result, or a bare identity object.
func readIdentity(path string) (cccd.Identity, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return cccd.Identity{}, err
	}
	var r cccd.ReadResult
	if err := json.Unmarshal(b, &r); err != nil {
		return cccd.Identity{}, fmt.Errorf("%s: %w", path, err)
	}
	if r.IDNumber == "" || r.FullName == "" || r.DateOfBirth == "" {
		return cccd.Identity{}, fmt.Errorf("%s: needs id_number, full_name and date_of_birth", path)
	}
	return r.Identity, nil
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail("%v", err)
	}
	return 0
}

func printLookup(w io.Writer, r *clinic.LookupResult) {
	fmt.Fprintf(w, "Mã kết quả (code):  %s — %s\n", r.Code, r.MessageVI)
	fmt.Fprintf(w, "Hợp lệ (valid):     %v\n", r.Valid)
	fmt.Fprintf(w, "Việc cần làm:       %s\n", r.ActionVI)
	if r.GatewayNote != "" {
		fmt.Fprintf(w, "Ghi chú của cổng:   %s\n", r.GatewayNote)
	}
	if r.CardCode != "" {
		fmt.Fprintf(w, "Thẻ BHYT:           %s, %s → %s, nơi ĐKBĐ %s\n", r.CardCode, r.ValidFrom, r.ValidTo, r.RegisteredFacility)
	}
	if nc := r.NewCard; nc != nil {
		fmt.Fprintf(w, "Thẻ mới:            %s, %s → %s, nơi ĐKBĐ %s\n", nc.CardCode, nc.ValidFrom, nc.ValidTo, nc.RegisteredFacility)
	}
}

// The fictitious card check-gateway looks up: a well-formed code no one
// holds, so a gateway that answers at all answers "not found" (050) or a
// data mismatch, never someone's record.
const (
	probeCardCode = "XX0000000000000"
	probeName     = "KIEM TRA KET NOI"
	probeBirth    = "1900"
)

// probeOutcome is what one try against the gateway gave.
type probeOutcome struct {
	PasswordEncoding string `json:"password_encoding"`
	Body             string `json:"body"`
	LoginBody        string `json:"login_body"`
	LoggedIn         bool   `json:"logged_in"`
	Code             string `json:"code,omitempty"`
	Note             string `json:"gateway_note,omitempty"`
	Message          string `json:"message,omitempty"`
	Error            string `json:"error,omitempty"`
	// Works: logged in, and the look-up was understood (any code but a
	// refused token or a malformed request).
	Works bool `json:"works"`
}

func clinicCheckGateway(args []string) int {
	fs := newFlags("clinic check-gateway", "[--config FILE] [--try-all] [--json]")
	tryAll := fs.Bool("try-all", false, "also try every password encoding and body encoding, and say which work")
	asJSON := fs.Bool("json", false, "JSON output")
	af := addAgentFlags(fs, false)
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	cfg, _, code := clinicGateway(af)
	if code >= 0 {
		return code
	}
	k := cfg.Kiosk
	combos := [][3]string{{k.GatewayPasswordEncoding, k.GatewayBody, k.GatewayLoginBody}}
	if *tryAll {
		for _, pw := range []string{"md5", "md5_upper", "plain"} {
			for _, body := range []string{"json", "form"} {
				for _, login := range []string{"json", "form"} {
					if (pw != combos[0][0] || body != combos[0][1] || login != combos[0][2]) && len(combos) < 13 {
						combos = append(combos, [3]string{pw, body, login})
					}
				}
			}
		}
	}
	var out []probeOutcome
	for _, c := range combos {
		out = append(out, probe(cfg, c[0], c[1], c[2]))
	}
	if *asJSON {
		printJSON(os.Stdout, out)
	} else {
		fmt.Printf("Cổng BHXH: %s (tài khoản %s)\n", k.GatewayURL, k.GatewayUser)
		for i, o := range out {
			label := "cấu hình hiện tại"
			if i > 0 {
				label = "thử"
			}
			fmt.Printf("- [%s] password=%s body=%s login_body=%s: ", label, o.PasswordEncoding, o.Body, o.LoginBody)
			switch {
			case o.Error != "":
				fmt.Printf("%s\n", o.Error)
			default:
				fmt.Printf("đăng nhập được; tra cứu thẻ giả: mã %s (%s) %s\n", o.Code, o.Message, o.Note)
			}
		}
	}
	if out[0].Works {
		return 0
	}
	var hint []string
	for _, o := range out[1:] {
		if o.Works {
			hint = append(hint, fmt.Sprintf("gateway_password_encoding = %q, gateway_body = %q, gateway_login_body = %q", o.PasswordEncoding, o.Body, o.LoginBody))
		}
	}
	if len(hint) > 0 {
		return fail("clinic check-gateway: the configured settings do not work; these do: %s", strings.Join(hint, " | "))
	}
	if !*tryAll {
		return fail("clinic check-gateway: the configured settings do not work (%s); run with --try-all to try the other encodings", firstNonEmpty(out[0].Error, "code "+out[0].Code))
	}
	return fail("clinic check-gateway: no combination worked: check the URL, the account and the staff member's registration")
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// probe logs in with one combination of settings and looks the fictitious
// card up.
func probe(cfg *config.Config, pw, body, login string) probeOutcome {
	o := probeOutcome{PasswordEncoding: pw, Body: body, LoginBody: login}
	k := cfg.Kiosk
	g, err := clinic.NewGateway(clinic.GatewayConfig{BaseURL: k.GatewayURL, Username: k.GatewayUser, Password: k.GatewayPassword,
		PasswordEncoding: clinic.PasswordEncoding(pw), Body: clinic.BodyEncoding(body), LoginBody: clinic.BodyEncoding(login),
		HistoryBody: clinic.BodyEncoding(k.GatewayHistoryBody), Timeout: 20 * time.Second})
	if err != nil {
		o.Error = err.Error()
		return o
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	res, err := g.Lookup(ctx, clinic.LookupRequest{CardCode: probeCardCode, FullName: probeName, DateOfBirth: probeBirth, Staff: agent.ClinicStaff(cfg)})
	switch {
	case errors.Is(err, clinic.ErrLoginRefused), errors.Is(err, clinic.ErrUnreachable), errors.Is(err, clinic.ErrBadAnswer):
		o.Error = err.Error()
		return o
	case errors.Is(err, clinic.ErrTokenRefused):
		o.LoggedIn, o.Error = true, err.Error()
		return o
	case err != nil:
		o.Error = err.Error() // input the client refused (staff not configured)
		return o
	}
	o.LoggedIn, o.Code, o.Note, o.Message = true, res.Code, res.GatewayNote, res.MessageVI
	o.Works = res.Code != "400" && res.Code != "401" && res.Code != "415"
	return o
}
