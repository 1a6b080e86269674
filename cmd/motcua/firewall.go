package main

import "strings"

// Windows Firewall rules for the office link ([office] listen): a kiosk's
// call for an officer reaches a desk's service or app over the office LAN.
// Windows Firewall drops a service's inbound connections silently (no
// prompt), and a desktop app's prompt needs an administrator the officer
// is not, so `motcua service install` (the MSI's setup, elevated) adds one
// inbound rule per executable: TCP, from the local subnet only, on domain
// and private networks (never public ones). `service uninstall` and the
// MSI's cleanup remove them. The commands are netsh's documented
// `advfirewall firewall add|delete rule` (Windows 7 and later).

// firewallRuleName names the rule of the executable at exe (a Windows
// path): no spaces, so it reads the same in netsh and in the console.
func firewallRuleName(exe string) string {
	base := exe[strings.LastIndexAny(exe, `\/`)+1:]
	return "MotCuaEdge-office-link-" + strings.TrimSuffix(strings.ToLower(base), ".exe")
}

// firewallAddArgs is netsh's command line (without "netsh") adding exe's
// inbound rule.
func firewallAddArgs(exe string) []string {
	return []string{"advfirewall", "firewall", "add", "rule", "name=" + firewallRuleName(exe), "dir=in", "action=allow",
		"program=" + exe, "protocol=TCP", "remoteip=localsubnet", "profile=domain,private", "enable=yes",
		"description=Mot Cua Edge: help calls between the kiosks and desks of one office ([office] listen)"}
}

// firewallDeleteArgs is netsh's command line removing exe's rule.
func firewallDeleteArgs(exe string) []string {
	return []string{"advfirewall", "firewall", "delete", "rule", "name=" + firewallRuleName(exe)}
}
