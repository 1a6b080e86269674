package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"motcua/hwtest/simcard"
	"motcua/hwtest/vpcd"
	"motcua/reader/cccd"
)

func init() {
	register("simcard", "serve a virtual CCCD to pcscd through vpcd; 'simcard new' writes a synthetic citizen", runSimcard)
}

func runSimcard(args []string) int {
	return subcommands("simcard", args, []sub{
		{"new", "write a synthetic citizen: --seed N --out FILE.json", runSimcardNew},
		{"csca", "write the test CSCA that signs every synthetic card: --out FILE.pem", runSimcardCSCA},
	}, runSimcardServe)
}

func runSimcardServe(args []string) int {
	fs := newFlags("simcard", "[--vpcd ADDR] [--card FILE.json] [--fault NAME[,NAME]] [--short]")
	addr := fs.String("vpcd", vpcd.DefaultAddr, "vpcd address (a virtual card is a TCP client of vpcd)")
	cardFile := fs.String("card", "", "card profile JSON (default: the synthetic citizen of REFERENCE.md)")
	fault := fs.String("fault", "", "fault mode(s), comma-separated: "+faultNames())
	short := fs.Bool("short", false, "no extended-length APDUs")
	if pos, err := parseArgs(fs, args); err != nil || len(pos) > 0 {
		return 2
	}
	p := simcard.ReferenceProfile()
	if *cardFile != "" {
		var err error
		if p, err = simcard.LoadProfile(*cardFile); err != nil {
			return fail("%v", err)
		}
	}
	f := simcard.Fault(*fault)
	if err := simcard.CheckFault(f); err != nil {
		return fail("%v", err)
	}
	card, err := p.Card(simcard.CardOptions{Fault: f, Extended: !*short})
	if err != nil {
		return fail("%v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "virtual card %s served to vpcd at %s (Ctrl-C removes it)\n", cccd.MaskID(p.Identity.IDNumber), *addr)
	if err := vpcd.Serve(ctx, *addr, card); err != nil {
		return fail("%v", err)
	}
	return 0
}

func faultNames() string {
	s := ""
	for i, f := range simcard.Faults {
		if i > 0 {
			s += ", "
		}
		s += string(f)
	}
	return s
}

func runSimcardNew(args []string) int {
	fs := newFlags("simcard new", "--seed N --out FILE.json")
	seed := fs.Uint64("seed", 1, "seed of the synthetic citizen")
	out := fs.String("out", "", "profile JSON to write")
	if pos, err := parseArgs(fs, args); err != nil || len(pos) > 0 {
		return 2
	}
	if *out == "" {
		return fail("simcard new: --out is required")
	}
	p := simcard.NewProfile(*seed)
	if err := p.Save(*out); err != nil {
		return fail("%v", err)
	}
	fmt.Println(p.Identity.IDNumber) // synthetic: the caller asked for it
	return 0
}

func runSimcardCSCA(args []string) int {
	fs := newFlags("simcard csca", "--out FILE.pem")
	out := fs.String("out", "", "PEM file for the test CSCA certificate that signs every synthetic card")
	if pos, err := parseArgs(fs, args); err != nil || len(pos) > 0 {
		return 2
	}
	if *out == "" {
		return fail("simcard csca: --out is required")
	}
	is, err := simcard.DefaultIssuer()
	if err != nil {
		return fail("%v", err)
	}
	if err := is.WriteCSCA(*out); err != nil {
		return fail("%v", err)
	}
	return 0
}
