package main

import (
	"slices"
	"strings"
	"testing"
)

// TestFirewallRuleCommands: the office link's Windows Firewall rules are
// netsh's documented `advfirewall firewall add|delete rule` command lines:
// inbound, allow, the one program, TCP, the local subnet only, domain and
// private networks only; the rule's name has no spaces and the delete
// removes exactly the rule the add made.
func TestFirewallRuleCommands(t *testing.T) {
	exe := `C:\Program Files\motcua\motcua-app.exe`
	add := firewallAddArgs(exe)
	if !slices.Equal(add[:4], []string{"advfirewall", "firewall", "add", "rule"}) {
		t.Fatalf("add: %q", add)
	}
	want := map[string]string{"name": "MotCuaEdge-office-link-motcua-app", "dir": "in", "action": "allow", "program": exe,
		"protocol": "TCP", "remoteip": "localsubnet", "profile": "domain,private", "enable": "yes"}
	got := map[string]string{}
	for _, a := range add[4:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			t.Fatalf("argument %q is not key=value", a)
		}
		got[k] = v
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%q, want %q", k, got[k], v)
		}
	}
	if strings.Contains(got["profile"], "public") || got["remoteip"] == "any" {
		t.Error("the rule opens the link beyond the office LAN")
	}
	del := firewallDeleteArgs(exe)
	if !slices.Equal(del, []string{"advfirewall", "firewall", "delete", "rule", "name=" + want["name"]}) {
		t.Errorf("delete: %q", del)
	}
	if firewallRuleName(`C:\x\MOTCUA.EXE`) != "MotCuaEdge-office-link-motcua" || strings.ContainsAny(firewallRuleName(exe), " \"") {
		t.Errorf("rule names: %q %q", firewallRuleName(`C:\x\MOTCUA.EXE`), firewallRuleName(exe))
	}
}
