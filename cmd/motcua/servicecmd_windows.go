//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"

	"motcua/internal/agent"
	"motcua/internal/config"
	"motcua/sync/outbox"
)

func init() {
	register("service", `the Windows service "motcua" through the Service Control Manager (install, uninstall, start, stop, status)`, runServiceCmd)
}

// dataSDDL is the data directory's DACL: full control for SYSTEM and the
// Administrators group only, inherited by every file and folder created
// inside (the outbox key among them), and protected from the parent's
// inheritable entries (ProgramData grants Users read).
const dataSDDL = "D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)"

func runServiceCmd(args []string) int {
	return subcommands("service", args, []sub{
		{"install", "register the service (automatic, delayed start; restart on failure), its Event Log source and the data directory's ACL, then start it", serviceInstall},
		{"uninstall", "stop and remove the service and its Event Log source (the data directory is kept)", serviceUninstall},
		{"start", "start the service and wait until it runs", func(a []string) int { return serviceControl("start", a) }},
		{"stop", "stop the service and wait until it has stopped", func(a []string) int { return serviceControl("stop", a) }},
		{"status", "show the service's state, configuration and the data directory's ACL", func(a []string) int { return serviceControl("status", a) }},
		{"cleanup", "after the service is deleted (the MSI's uninstall): remove the Event Log source, and with --purge-data the data directory", serviceCleanup},
	}, nil)
}

// defaultDataDir is where the service keeps its data: %ProgramData%\motcua\data.
func defaultDataDir() string { return filepath.Join(programData(), "motcua", "data") }

func serviceInstall(args []string) int {
	fs := newFlags("service install", "[--config FILE] [--data DIR] [--no-start]")
	cfgPath := fs.String("config", config.DefaultPath(), "configuration file the service reads (written with the documented defaults when missing)")
	data := fs.String("data", defaultDataDir(), "data directory of the service (outbox, key, pairings)")
	noStart := fs.Bool("no-start", false, "register only; do not start the service")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) > 0 {
		return fail("service install: unexpected argument %q", pos[0])
	}
	exe, err := os.Executable()
	if err != nil {
		return fail("service install: %v", err)
	}
	cfgFile, dataDir, err := absPaths(*cfgPath, *data)
	if err != nil {
		return fail("service install: %v", err)
	}
	if err := ensureConfig(cfgFile); err != nil {
		return fail("service install: %v", err)
	}
	if _, err := config.Load(cfgFile, false, nil); err != nil {
		return fail("service install: %s does not check; fix it first:\n%v", cfgFile, err)
	}
	if err := secureDataDir(dataDir); err != nil {
		return fail("service install: %v", err)
	}
	if err := registerService(exe, cfgFile, dataDir); err != nil {
		return fail("service install: %v", err)
	}
	fmt.Printf("service %s registered: %q serve --config %q --data %q \n", serviceName, exe, cfgFile, dataDir)
	fmt.Printf("data directory %s: SYSTEM and Administrators only\n", dataDir)
	addFirewallRules(filepath.Dir(exe))
	if *noStart {
		return 0
	}
	return serviceControl("start", nil)
}

// absPaths makes the configuration and data paths absolute: the service
// does not start in the installer's working directory.
func absPaths(cfg, data string) (string, string, error) {
	c, err := filepath.Abs(cfg)
	if err != nil {
		return "", "", err
	}
	d, err := filepath.Abs(data)
	return c, d, err
}

// ensureConfig writes the documented defaults when the file is missing,
// and never touches an existing one (the administrator's edits).
func ensureConfig(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	text := strings.ReplaceAll(windowsDefaults(string(config.DefaultTOML)), "\n", "\r\n")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("writing the default configuration: %w", err)
	}
	fmt.Printf("wrote the documented defaults to %s\n", path)
	return nil
}

// windowsDefaults adapts the documented defaults to Windows: the trust
// store under %ProgramData%\motcua (as packaging/build.sh does for the MSI's
// motcua.toml.dist).
func windowsDefaults(toml string) string {
	return strings.Replace(toml, `csca_dir = "/etc/motcua/csca"`,
		"csca_dir = '"+filepath.Join(programData(), "motcua", "csca")+"'", 1)
}

// secureDataDir creates dir and sets its protected DACL (dataSDDL); files
// already inside get it by inheritance on their next ACL propagation, so
// it is applied to them too.
func secureDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString(dataSDDL)
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		info := windows.SECURITY_INFORMATION(windows.DACL_SECURITY_INFORMATION)
		if p == dir {
			info |= windows.PROTECTED_DACL_SECURITY_INFORMATION
		} else {
			info |= windows.UNPROTECTED_DACL_SECURITY_INFORMATION
		}
		if err := windows.SetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, info, nil, nil, dacl, nil); err != nil {
			return fmt.Errorf("setting the ACL of %s: %w", p, err)
		}
		return nil
	})
}

// Service identity and start-up.
const (
	serviceDisplay = "Một Cửa Edge agent"
	serviceDesc    = "Reads CCCD chip cards (PC/SC), serves the local integration API on loopback and syncs dossiers to the province (motcua serve)."
)

// recoveryActions restart the agent after a failure: 5 s, 30 s, then
// every minute; the failure count resets after a day without one.
var recoveryActions = []mgr.RecoveryAction{
	{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
	{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
	{Type: mgr.ServiceRestart, Delay: time.Minute},
}

// registerService creates the service (or brings an existing one, e.g.
// one the MSI created, to this configuration): automatic start, delayed,
// as LocalSystem, with recovery actions and an Event Log source. Settings
// the SCM does not implement (Wine's lacks delayed start) are warned about.
func registerService(exe, cfgFile, dataDir string) error {
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("service control manager: %w (run as Administrator)", err)
	}
	defer m.Disconnect()
	argv := []string{"serve", "--config", cfgFile, "--data", dataDir}
	s, err := m.OpenService(serviceName)
	if err == nil {
		if err := changeConfig(s.Handle, quoteCmd(append([]string{exe}, argv...)), "LocalSystem", serviceDisplay, mgr.StartAutomatic); err != nil {
			s.Close()
			return fmt.Errorf("updating the service: %w", err)
		}
	} else {
		// DelayedAutoStart is set below: mgr.CreateService deletes the new
		// service when the SCM refuses it.
		s, err = m.CreateService(serviceName, exe, mgr.Config{DisplayName: serviceDisplay, StartType: mgr.StartAutomatic,
			ErrorControl: mgr.ErrorNormal, ServiceStartName: "LocalSystem"}, argv...)
		if err != nil {
			return fmt.Errorf("creating the service: %w", err)
		}
	}
	defer s.Close()
	if err := warnUnsupported("description", setDescription(s.Handle, serviceDesc)); err != nil {
		return err
	}
	if err := warnUnsupported("delayed automatic start (the service starts automatically, not delayed)", setDelayedStart(s.Handle, true)); err != nil {
		return err
	}
	if err := warnUnsupported("recovery actions", unsupported(s.SetRecoveryActions(recoveryActions, uint32((24*time.Hour).Seconds())))); err != nil {
		return err
	}
	// A stop with a service-specific error (serve failed, or stayed
	// unhealthy) counts as a failure too, not only a crash.
	if err := warnUnsupported("recovery on non-crash failures", unsupported(s.SetRecoveryActionsOnNonCrashFailures(true))); err != nil {
		return err
	}
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil && !strings.Contains(err.Error(), "exists") {
		return fmt.Errorf("event log source: %w", err)
	}
	return nil
}

// quoteCmd joins a command line with Windows quoting.
func quoteCmd(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = windows.EscapeArg(a)
	}
	return strings.Join(q, " ")
}

func serviceUninstall(args []string) int {
	if _, err := parseArgs(newFlags("service uninstall", ""), args); err != nil {
		return 2
	}
	m, err := mgr.Connect()
	if err != nil {
		return fail("service uninstall: %v (run as Administrator)", err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fail("service uninstall: service %s is not installed", serviceName)
	}
	defer s.Close()
	if err := stopAndWait(s, 30*time.Second); err != nil {
		return fail("service uninstall: %v", err)
	}
	if err := s.Delete(); err != nil {
		return fail("service uninstall: %v", err)
	}
	if err := eventlog.Remove(serviceName); err != nil {
		fmt.Fprintf(os.Stderr, "motcua: event log source: %v\n", err)
	}
	if exe, err := os.Executable(); err == nil {
		removeFirewallRules(filepath.Dir(exe))
	}
	fmt.Printf("service %s removed; the data directory is kept\n", serviceName)
	return 0
}

// serviceCleanup is what an uninstall does once the MSI deleted the
// service: the Event Log source goes; the data (outbox, key, pairings)
// stays unless --purge-data says otherwise, and never while a service or
// agent still uses it.
func serviceCleanup(args []string) int {
	fs := newFlags("service cleanup", "[--data DIR] [--purge-data]")
	data := fs.String("data", defaultDataDir(), "data directory of the service")
	purge := fs.Bool("purge-data", false, "delete the data directory (outbox, its key, pairings): queued dossiers are lost")
	if _, err := parseArgs(fs, args); err != nil {
		return 2
	}
	if err := eventlog.Remove(serviceName); err != nil && !errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		fmt.Fprintf(os.Stderr, "motcua: event log source: %v\n", err)
	}
	if exe, err := os.Executable(); err == nil {
		removeFirewallRules(filepath.Dir(exe))
	}
	if !*purge {
		fmt.Printf("kept the data directory %s\n", *data)
		return 0
	}
	// The MSI deleted the service just before; a service still running
	// (deletion pending until its process ends) must stop first.
	if m, err := mgr.Connect(); err == nil {
		if s, err := m.OpenService(serviceName); err == nil {
			if _, err := waitState(s, svc.Stopped, 30*time.Second); err != nil {
				s.Close()
				m.Disconnect()
				return fail("service cleanup: the service %s still runs (%v): not deleting its data", serviceName, err)
			}
			s.Close()
		}
		m.Disconnect()
	}
	if _, err := os.Stat(*data); errors.Is(err, os.ErrNotExist) {
		return 0
	}
	// The agent lock says whether any agent still runs on it.
	lock, err := agent.AcquireLock(*data, "motcua service cleanup")
	if err != nil {
		return fail("service cleanup: %v", err)
	}
	lock.Release()
	if err := removeTree(*data); err != nil {
		return fail("service cleanup: %v", err)
	}
	fmt.Printf("deleted the data directory %s\n", *data)
	return 0
}

// removeTree deletes dir and everything in it with plain DeleteFile and
// RemoveDirectory calls, deepest first. (os.RemoveAll's handle-relative
// deletion needs FileDispositionInformationEx, which Wine 8 lacks.)
func removeTree(dir string) error {
	var paths []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(paths) - 1; i >= 0; i-- {
		if err := os.Remove(paths[i]); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func serviceControl(op string, args []string) int {
	if _, err := parseArgs(newFlags("service "+op, ""), args); err != nil {
		return 2
	}
	m, err := mgr.Connect()
	if err != nil {
		return fail("service %s: %v", op, err)
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return fail("service %s: service %s is not installed (motcua service install)", op, serviceName)
	}
	defer s.Close()
	switch op {
	case "start":
		if err := s.Start(); err != nil && !errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
			return fail("service start: %v", err)
		}
		st, err := waitState(s, svc.Running, 60*time.Second)
		if err != nil {
			return fail("service start: %v", err)
		}
		fmt.Printf("service %s: %s (pid %d)\n", serviceName, stateName(st.State), st.ProcessId)
	case "stop":
		if err := stopAndWait(s, 30*time.Second); err != nil {
			return fail("service stop: %v", err)
		}
		fmt.Printf("service %s: stopped\n", serviceName)
	case "status":
		return serviceStatus(s)
	}
	return 0
}

// stopAndWait stops a running service and waits for Stopped.
func stopAndWait(s *mgr.Service, limit time.Duration) error {
	st, err := s.Query()
	if err != nil {
		return err
	}
	if st.State == svc.Stopped {
		return nil
	}
	if _, err := s.Control(svc.Stop); err != nil && !errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
		return fmt.Errorf("stopping: %w", err)
	}
	_, err = waitState(s, svc.Stopped, limit)
	return err
}

// waitState polls the service until it reaches want, or fails with the
// state it is stuck in (and its exit code when it stopped instead).
func waitState(s *mgr.Service, want svc.State, limit time.Duration) (svc.Status, error) {
	deadline := time.Now().Add(limit)
	for {
		st, err := s.Query()
		if err != nil {
			return st, err
		}
		if st.State == want {
			return st, nil
		}
		if want == svc.Running && st.State == svc.Stopped {
			return st, fmt.Errorf("the service stopped (exit code %d, service-specific %d): see the Event Log (source motcua) and the JSON log", st.Win32ExitCode, st.ServiceSpecificExitCode)
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("still %s after %s", stateName(st.State), limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func stateName(s svc.State) string {
	switch s {
	case svc.Stopped:
		return "stopped"
	case svc.StartPending:
		return "start pending"
	case svc.StopPending:
		return "stop pending"
	case svc.Running:
		return "running"
	case svc.ContinuePending:
		return "continue pending"
	case svc.PausePending:
		return "pause pending"
	case svc.Paused:
		return "paused"
	}
	return fmt.Sprintf("state %d", s)
}

// serviceStatus prints the state, the start-up configuration, the
// recovery actions and the ACLs of the data directory and the outbox key
// as Windows reports them (SDDL).
func serviceStatus(s *mgr.Service) int {
	st, err := s.Query()
	if err != nil {
		return fail("service status: %v", err)
	}
	c, err := queryConfig(s.Handle)
	if err != nil {
		return fail("service status: %v", err)
	}
	start := map[uint32]string{mgr.StartAutomatic: "automatic", mgr.StartManual: "manual", mgr.StartDisabled: "disabled"}[c.StartType]
	switch delayed, err := delayedStart(s.Handle); {
	case err != nil:
		start += " (delayed start: " + err.Error() + ")"
	case delayed:
		start += " (delayed)"
	}
	fmt.Printf("service:   %s (%s)\nstate:     %s (pid %d)\nstart:     %s\ncommand:   %s\naccount:   %s\n",
		serviceName, c.DisplayName, stateName(st.State), st.ProcessId, start, c.BinaryPathName, c.StartName)
	if ra, err := s.RecoveryActions(); err == nil {
		var parts []string
		for _, a := range ra {
			kind := map[int]string{mgr.NoAction: "none", mgr.ComputerReboot: "reboot", mgr.ServiceRestart: "restart", mgr.RunCommand: "command"}[a.Type]
			parts = append(parts, fmt.Sprintf("%s after %s", kind, a.Delay))
		}
		fmt.Printf("recovery:  %s\n", orText(strings.Join(parts, ", "), "none"))
	} else {
		fmt.Printf("recovery:  unknown (%v)\n", err)
	}
	if data := argAfter(c.BinaryPathName, "--data"); data != "" {
		for _, p := range []string{data, filepath.Join(data, outbox.KeyFile)} {
			fmt.Printf("acl:       %s %s\n", p, fileSDDL(p))
		}
	}
	return 0
}

// argAfter returns the value following flag in a Windows command line.
func argAfter(cmdline, flag string) string {
	args, err := windows.DecomposeCommandLine(cmdline)
	if err != nil {
		return ""
	}
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// fileSDDL is a file's DACL as SDDL, or why it could not be read.
func fileSDDL(path string) string {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return sd.String()
}
