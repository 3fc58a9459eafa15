package storetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Cluster is a PostgreSQL server of the test's own, in a temp dir, that
// the test may stop, start and restart without disturbing other tests.
type Cluster struct {
	t    testing.TB
	bin  string // initdb, pg_ctl, postgres
	dir  string // the data directory
	port int
	// asUser runs the server as the postgres user when the test runs as
	// root, which PostgreSQL refuses to be.
	asUser string
}

// NewCluster initialises and starts a private cluster, and stops it and
// removes it when the test ends. It runs where PostgreSQL's tests run
// (AFTERMATH_POSTGRES_DSN set), with the server binaries in
// AFTERMATH_POSTGRES_BIN or under /usr/lib/postgresql.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	PostgresURL(t)
	c := &Cluster{t: t, bin: postgresBin(t)}
	dir, err := os.MkdirTemp("", "aftermath-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c.dir = filepath.Join(dir, "data")
	if os.Geteuid() == 0 {
		c.asUser = "postgres"
		u, err := user.Lookup(c.asUser)
		if err != nil {
			t.Fatalf("running as root, the cluster needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.port = freePort(t)
	c.run("initdb", "-D", c.dir, "-U", "aftermath", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = on\nmax_connections = 50\n", c.port, dir)
	appendFile(t, filepath.Join(c.dir, "postgresql.conf"), conf)
	c.Start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// DSN is the URL of the cluster's postgres database.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://aftermath@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() { c.pgctl("start", "-w", "-l", filepath.Join(filepath.Dir(c.dir), "log")) }

// Stop shuts the server down the way an operator's restart does: it
// ends every session (fast mode) and waits until it is down.
func (c *Cluster) Stop() { c.pgctl("stop", "-w", "-m", "fast") }

func (c *Cluster) pgctl(args ...string) {
	c.t.Helper()
	c.run("pg_ctl", append([]string{"-D", c.dir}, args...)...)
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	if c.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.asUser, "--", filepath.Join(c.bin, name)}, args...)...)
	}
	// Its own process group: a Ctrl-C of the test must not reach the
	// server before the cleanup stops it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if out, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func postgresBin(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("AFTERMATH_POSTGRES_BIN"); dir != "" {
		return dir
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		t.Fatal("no PostgreSQL server binaries: set AFTERMATH_POSTGRES_BIN to the folder holding pg_ctl")
	}
	return filepath.Dir(matches[len(matches)-1])
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func appendFile(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// Freeze stops every process of the server (SIGSTOP) without closing its
// connections: a database that does not answer at all, as a hung host or
// a network partition looks to a client. Thaw lets it go on.
func (c *Cluster) Freeze() { c.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server.
func (c *Cluster) Thaw() { c.signal(syscall.SIGCONT) }

// signal sends sig to the postmaster and every process it started.
func (c *Cluster) signal(sig syscall.Signal) {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "postmaster.pid"))
	if err != nil {
		c.t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	postmaster, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		c.t.Fatalf("postmaster.pid: %v", err)
	}
	pids := []int{postmaster}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, stat := range stats {
		data, err := os.ReadFile(stat)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after ")".
		_, rest, ok := strings.Cut(string(data), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == postmaster {
			pid, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(stat, "/proc/"), "/")[0])
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		syscall.Kill(pid, sig)
	}
}
