package main

import (
	"flag"
	"fmt"
	"os"

	"motcua/kiosk/office"
)

// motcua office key FILE: the office link's key (issue 19, kiosk/office).

func init() {
	register("office", "the office link between an office's machines: key FILE writes its key", runOffice)
}

func runOffice(args []string) int {
	fs := flag.NewFlagSet("office", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: motcua office key FILE\n\n"+
			"  key FILE   write a new office key (32 random bytes, hex, mode 0600) to FILE; never overwrites.\n"+
			"             Copy the one file to every machine of the office and set [office] key_file.")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 2 || fs.Arg(0) != "key" {
		fs.Usage()
		return 2
	}
	if err := office.WriteKeyFile(fs.Arg(1)); err != nil {
		return fail("%v", err)
	}
	fmt.Printf("office key written to %s (mode 0600): copy it to every machine of the office\n", fs.Arg(1))
	return 0
}
