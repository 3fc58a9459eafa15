package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aftermath-sre/aftermath/internal/auth"
	"github.com/aftermath-sre/aftermath/internal/incident"
	"github.com/aftermath-sre/aftermath/internal/store"
	"github.com/aftermath-sre/aftermath/internal/web"
)

// By default shutdown ends within 10 s, the usual wait between SIGTERM and
// SIGKILL (Kubernetes, Docker): the grace for requests in flight, then up
// to dbCloseGrace for the database to close and checkpoint its WAL.
const (
	defaultShutdownGrace = 8 * time.Second
	dbCloseGrace         = 1500 * time.Millisecond
)

func serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Migrate the database, then serve the web UI and the API",
		Long: `Migrate the database, then serve the web UI and the API.

SIGTERM or SIGINT stops accepting connections, lets requests in flight
finish (up to --shutdown-grace), closes the database and exits 0. A second
signal during that time stops at once.`,
		Args: cobra.NoArgs,
		RunE: runServe,
	}
	f := cmd.Flags()
	f.String("addr", ":8080", "address to listen on")
	f.Bool("demo", false, "load the example incidents into an empty database")
	f.Float64("rate-limit", web.DefaultRateLimit, "API requests a second one client IP may make on average; 0 disables the limit")
	f.Int("rate-burst", web.DefaultRateBurst, "API requests one client IP may make at once")
	f.StringSlice("trusted-proxies", nil, "IP addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client and X-Forwarded-Proto the scheme (default none)")
	f.StringSlice("trusted-origins", nil, "other origins (https://host[:port]) whose browsers may send unsafe requests (default none)")
	f.Duration("session-idle-timeout", auth.DefaultSessionIdle, "a session unused for this long ends")
	f.Duration("session-lifetime", auth.DefaultSessionLifetime, "every session ends this long after its login")
	f.String("oidc-issuer", "", "single sign-on: the OpenID Connect provider's issuer URL (empty: passwords only)")
	f.String("oidc-client-id", "", "single sign-on: this server's client id at the provider")
	f.String("oidc-client-secret", "", "single sign-on: the client secret (better in AFTERMATH_OIDC_CLIENT_SECRET than on a command line)")
	f.String("oidc-redirect-url", "", "single sign-on: this server's callback, https://HOST/login/oidc/callback")
	f.StringSlice("oidc-scopes", []string{"openid", "profile", "email", "groups"}, "single sign-on: the scopes to ask for")
	f.String("oidc-role-claim", "groups", "single sign-on: the ID token claim whose values give the role")
	f.StringSlice("oidc-roles", nil, "single sign-on: VALUE=ROLE pairs mapping the claim's values to roles, such as sre=responder,sre-leads=admin")
	f.String("oidc-default-role", "", "single sign-on: the role of someone none of whose values map (empty: refuse them)")
	f.Duration("read-header-timeout", 5*time.Second, "time a client has to send a request's headers")
	f.Duration("read-timeout", 30*time.Second, "time a client has to send a whole request, body included")
	f.Duration("write-timeout", 2*time.Minute, "time to answer a request; an export of every incident takes a while")
	f.Duration("idle-timeout", 2*time.Minute, "how long an idle keep-alive connection stays open")
	f.Duration("shutdown-grace", defaultShutdownGrace, "how long requests in flight may take to finish after SIGTERM or SIGINT")
	integrationFlags(f)
	f.Duration("request-timeout", web.DefaultRequestTimeout, "how long a request may wait for the database before it fails with 503 (the export excepted)")
	f.Int("db-writers", 0, "PostgreSQL: connections this instance may open for writes (0: 4); SQLite always has one writer")
	f.Int("db-readers", 0, "connections this instance may open for reads (0: 8 on PostgreSQL, max(4, 2×CPUs) on SQLite)")
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	log, err := newLogger(cmd)
	if err != nil {
		return err
	}
	cfg, err := serveConfig(cmd)
	if err != nil {
		return err
	}
	paceCollector()
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	dsn, _ := cmd.Flags().GetString("db")
	opts := cfg.pools
	opts.Log = log
	st, err := store.Open(ctx, dsn, opts)
	if err != nil {
		return err
	}
	// The server's own writes (the first account, the demo data) are the
	// system's; requests write as whoever sent them.
	ctx = incident.WithActor(ctx, incident.Actor{Kind: incident.ActorSystem, Name: "serve"})
	accounts := auth.New(auth.Config{Store: st, SessionIdle: cfg.sessionIdle, SessionLifetime: cfg.sessionLifetime})
	login, err := firstAccount(ctx, accounts)
	if err != nil {
		st.Close()
		return err
	}
	sso, err := singleSignOn(ctx, cfg)
	if err != nil {
		st.Close()
		return err
	}
	integ, err := newIntegrations(cmd, log, st)
	if err != nil {
		st.Close()
		return err
	}
	srv, listener, err := prepareServer(ctx, cmd, log, st, accounts, sso, integ, cfg)
	if err != nil {
		st.Close()
		return err
	}
	log.Info("serving", "addr", listener.Addr().String(), "db", st.Where(), "engine", st.Engine(),
		"rate_limit", cfg.rateLimit, "rate_burst", cfg.rateBurst)
	fmt.Fprintf(cmd.OutOrStdout(), "Aftermath is serving at %s — %s\n", browserURL(listener.Addr()), login)

	janitorCtx, stopJanitor := context.WithCancel(context.WithoutCancel(ctx))
	janitorDone := make(chan struct{})
	go func() {
		defer close(janitorDone)
		accounts.Janitor(janitorCtx, log)
	}()
	stopIntegrations := integ.start(context.WithoutCancel(ctx))
	stopAccounts := func() {
		stopIntegrations() // records the deliveries in flight
		stopJanitor()      // writes the token use still pending
		<-janitorDone
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(listener) }()
	select {
	case err := <-errc:
		stopAccounts()
		st.Close()
		return err
	case <-ctx.Done():
	}
	stop() // a second signal now stops the process at once
	log.Info("shutting down", "reason", context.Cause(ctx).Error(), "grace", cfg.shutdownGrace.String())
	return shutdown(log, srv, st, stopAccounts, cfg.shutdownGrace)
}

// firstAccount makes the account "admin" when there is none, with the
// password in AFTERMATH_ADMIN_PASSWORD or a random one, and says how to
// log in.
func firstAccount(ctx context.Context, accounts *auth.Accounts) (string, error) {
	fromEnv := os.Getenv("AFTERMATH_ADMIN_PASSWORD")
	password, err := accounts.EnsureAdmin(ctx, fromEnv)
	switch {
	case err != nil:
		return "", fmt.Errorf("the first account: %w", describeError(err))
	case password == "":
		return "log in with your account", nil
	case fromEnv != "":
		return "log in as admin with the password in AFTERMATH_ADMIN_PASSWORD", nil
	}
	return fmt.Sprintf("log in as admin with the password %s (shown this once; change it with `aftermath user passwd admin`)", password), nil
}

// browserURL is where a person on this machine can open the server.
func browserURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// prepareServer loads the demo data if asked, listens, and builds the
// HTTP server with its timeouts.
func prepareServer(ctx context.Context, cmd *cobra.Command, log *slog.Logger, st *store.Store, accounts *auth.Accounts, sso *auth.OIDC, integ *integrations, cfg serveOptions) (*http.Server, net.Listener, error) {
	if demo, _ := cmd.Flags().GetBool("demo"); demo {
		loaded, err := loadDemo(ctx, st)
		if err != nil {
			return nil, nil, fmt.Errorf("demo data: %w", err)
		}
		log.Info("demo data", "incidents_loaded", loaded)
	}
	listener, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{
		Handler: web.New(web.Config{Store: st, Logger: log, Accounts: accounts, OIDC: sso,
			RateLimit: cfg.rateLimit, RateBurst: cfg.rateBurst,
			TrustedProxies: cfg.trustedProxies, TrustedOrigins: cfg.trustedOrigins, RequestTimeout: cfg.requestTimeout,
			Webhooks: integ.manager, Alertmanager: integ.mapping, PublicFeeds: integ.publicFeeds,
			PublicURL: integ.publicURL, Collectors: integ.metrics.Collectors()}),
		ReadHeaderTimeout: cfg.readHeaderTimeout,
		ReadTimeout:       cfg.readTimeout,
		WriteTimeout:      cfg.writeTimeout,
		IdleTimeout:       cfg.idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return srv, listener, nil
}

// shutdown stops accepting, lets requests in flight finish within grace,
// cuts off those that do not, writes what the accounts hold in memory, and
// closes the database so its WAL is checkpointed and removed.
func shutdown(log *slog.Logger, srv *http.Server, st *store.Store, stopAccounts func(), grace time.Duration) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		// Closing the connections cancels the requests' contexts, which
		// interrupts their queries, so the database can close.
		log.Error("requests still running after the grace; cutting them off", "error", err.Error())
		srv.Close()
	}
	stopAccounts()
	closed := make(chan error, 1)
	go func() { closed <- st.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			log.Error("closing the database", "error", err.Error())
		}
	case <-time.After(dbCloseGrace):
		// Exiting with the database open loses nothing committed: the WAL
		// is replayed at the next start.
		log.Error("the database did not close in time; exiting anyway")
	}
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// serveOptions are serve's flags, checked.
type serveOptions struct {
	pools                                        store.Options
	requestTimeout                               time.Duration
	addr                                         string
	rateLimit                                    float64
	rateBurst                                    int
	trustedProxies, trustedOrigins               []string
	sessionIdle, sessionLifetime                 time.Duration
	readHeaderTimeout, readTimeout, writeTimeout time.Duration
	idleTimeout, shutdownGrace                   time.Duration
	oidc                                         auth.OIDCConfig
}

// singleSignOn reads the provider's discovery document when --oidc-issuer
// is set. A provider that does not answer stops the start: better a clear
// error now than a login page whose button fails.
func singleSignOn(ctx context.Context, cfg serveOptions) (*auth.OIDC, error) {
	if cfg.oidc.Issuer == "" {
		return nil, nil
	}
	return auth.NewOIDC(ctx, cfg.oidc)
}

func serveConfig(cmd *cobra.Command) (serveOptions, error) {
	f := cmd.Flags()
	var o serveOptions
	o.addr, _ = f.GetString("addr")
	o.rateLimit, _ = f.GetFloat64("rate-limit")
	o.rateBurst, _ = f.GetInt("rate-burst")
	o.trustedProxies, _ = f.GetStringSlice("trusted-proxies")
	o.trustedOrigins, _ = f.GetStringSlice("trusted-origins")
	o.sessionIdle, _ = f.GetDuration("session-idle-timeout")
	o.sessionLifetime, _ = f.GetDuration("session-lifetime")
	if err := oidcConfig(cmd, &o.oidc); err != nil {
		return o, err
	}
	o.readHeaderTimeout, _ = f.GetDuration("read-header-timeout")
	o.readTimeout, _ = f.GetDuration("read-timeout")
	o.writeTimeout, _ = f.GetDuration("write-timeout")
	o.idleTimeout, _ = f.GetDuration("idle-timeout")
	o.shutdownGrace, _ = f.GetDuration("shutdown-grace")
	o.requestTimeout, _ = f.GetDuration("request-timeout")
	o.pools.Writers, _ = f.GetInt("db-writers")
	o.pools.Readers, _ = f.GetInt("db-readers")
	switch {
	case o.pools.Writers < 0 || o.pools.Readers < 0:
		return o, errors.New("--db-writers and --db-readers must be 0 (the default) or more")
	case o.rateLimit < 0:
		return o, errors.New("--rate-limit must be 0 (no limit) or more")
	case o.rateLimit > 0 && o.rateBurst < 1:
		return o, errors.New("--rate-burst must be at least 1")
	case o.readHeaderTimeout <= 0 || o.readTimeout <= 0 || o.writeTimeout <= 0 || o.idleTimeout <= 0:
		return o, errors.New("the timeouts must be positive durations, like 5s or 2m")
	case o.requestTimeout <= 0:
		return o, errors.New("--request-timeout must be a positive duration")
	case o.shutdownGrace <= 0:
		return o, errors.New("--shutdown-grace must be a positive duration")
	case o.sessionIdle <= 0 || o.sessionLifetime <= 0:
		return o, errors.New("--session-idle-timeout and --session-lifetime must be positive durations")
	}
	if err := web.CheckTrustedOrigins(o.trustedOrigins); err != nil {
		return o, fmt.Errorf("--trusted-origins: %w", err)
	}
	if err := web.CheckTrustedProxies(o.trustedProxies); err != nil {
		return o, fmt.Errorf("--trusted-proxies: %w", err)
	}
	return o, nil
}

// oidcConfig reads the --oidc-* flags.
func oidcConfig(cmd *cobra.Command, c *auth.OIDCConfig) error {
	f := cmd.Flags()
	c.Issuer, _ = f.GetString("oidc-issuer")
	c.ClientID, _ = f.GetString("oidc-client-id")
	c.ClientSecret, _ = f.GetString("oidc-client-secret")
	c.RedirectURL, _ = f.GetString("oidc-redirect-url")
	c.Scopes, _ = f.GetStringSlice("oidc-scopes")
	c.RoleClaim, _ = f.GetString("oidc-role-claim")
	if c.Issuer == "" {
		return nil
	}
	if c.ClientID == "" || c.RedirectURL == "" {
		return errors.New("--oidc-issuer needs --oidc-client-id and --oidc-redirect-url")
	}
	pairs, _ := f.GetStringSlice("oidc-roles")
	c.Roles = map[string]incident.Role{}
	for _, pair := range pairs {
		value, roleName, ok := strings.Cut(pair, "=")
		role, err := incident.ParseRole("role", roleName)
		if !ok || value == "" || err != nil {
			return fmt.Errorf("--oidc-roles: %q is not VALUE=ROLE with a role of viewer, responder or admin", pair)
		}
		c.Roles[value] = role
	}
	if name, _ := f.GetString("oidc-default-role"); name != "" {
		role, err := incident.ParseRole("role", name)
		if err != nil {
			return fmt.Errorf("--oidc-default-role: %q is not viewer, responder or admin", name)
		}
		c.DefaultRole = role
	}
	if len(c.Roles) == 0 && c.DefaultRole == "" {
		return errors.New("--oidc-issuer needs --oidc-roles or --oidc-default-role: nobody would get a role")
	}
	return nil
}
