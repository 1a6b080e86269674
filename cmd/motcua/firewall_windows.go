package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// officeExecutables are the programs in dir that may listen for the
// office link: the agent (motcua serve) and the app.
func officeExecutables(dir string) []string {
	var out []string
	for _, n := range []string{"motcua.exe", "motcua-app.exe"} {
		if p := filepath.Join(dir, n); fileExists(p) {
			out = append(out, p)
		}
	}
	return out
}

func fileExists(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }

// addFirewallRules replaces the office link's inbound rules for the
// executables in dir. A failure is reported, not fatal: the service works
// on its own machine without them; only calls from other machines wait
// for an administrator to add the rule (the message gives the command).
func addFirewallRules(dir string) {
	for _, exe := range officeExecutables(dir) {
		exec.Command("netsh", firewallDeleteArgs(exe)...).Run() // an earlier install's rule; none is fine
		if out, err := exec.Command("netsh", firewallAddArgs(exe)...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "motcua: could not add the Windows Firewall rule for %s (%v: %s); the office link will not hear other machines until an administrator runs:\n  netsh %s\n",
				exe, err, strings.TrimSpace(string(out)), quoteCmd(firewallAddArgs(exe)))
			continue
		}
		fmt.Printf("Windows Firewall: %s may take office-link connections from the local subnet (domain, private)\n", filepath.Base(exe))
	}
}

// removeFirewallRules removes the office link's rules of the executables
// in dir (those that are gone still have their rule removed by name).
func removeFirewallRules(dir string) {
	for _, n := range []string{"motcua.exe", "motcua-app.exe"} {
		exe := filepath.Join(dir, n)
		if err := exec.Command("netsh", firewallDeleteArgs(exe)...).Run(); err == nil {
			fmt.Printf("Windows Firewall: removed the office-link rule of %s\n", n)
		}
	}
}
