package main

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"assurance-ledger/api"
	"assurance-ledger/auth"
	"assurance-ledger/internal/service"
	"assurance-ledger/ledgertree"
)

func serveCmd() *cobra.Command {
	var (
		sf             storeFlags
		addr           string
		demo           bool
		hopts          = defaultHTTPOptions()
		rateLimit      float64
		rateBurst      int
		requestTimeout time.Duration
		hb             heapBudget
		servingMiB     uint64
		maxTokenTTL    time.Duration
		publicURL      string
		trustedProxies []string
		logFormat      string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stopPacing, paced, err := hb.start() // first: a bad flag must leave nothing behind
			if err != nil {
				return err
			}
			defer stopPacing()
			front, err := parseFront(publicURL, trustedProxies)
			if err != nil {
				return err
			}
			format, err := resolveLogFormat(logFormat, os.Stderr)
			if err != nil {
				return err
			}
			if maxTokenTTL <= 0 {
				return fmt.Errorf("--max-token-ttl %s must be positive", maxTokenTTL)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := checkDataDir(sf.data); err != nil {
				return err
			}
			secret, err := auth.LoadSecret(sf.data)
			if err != nil {
				return err
			}
			log := newLogger(os.Stderr, format, secret, []byte(os.Getenv(ledgertree.SigningKeyEnv)), connPassword(sf.store))
			treeKey, err := ledgertree.LoadSigner(sf.data)
			if err != nil {
				return err
			}
			store, err := sf.open(true)
			if err != nil {
				return err
			}
			defer store.Close()
			// Holding the store, no other server can be sending from a copy in the data directory.
			if n, err := api.RemoveStaleBackups(sf.data); err != nil {
				log.Warn("could not remove backup copies a stopped server left behind", "data", sf.data, "error", err.Error())
			} else if n > 0 {
				log.Info("removed backup copies a stopped server left behind", "files", n)
			}
			// Bound before anything is written: a port already taken must leave the store as it was.
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			defer ln.Close()
			svc, err := service.Open(ctx, service.Options{
				Store: store, DataDir: sf.data, Secret: secret, Signer: treeKey, Log: log,
				RequestTimeout: requestTimeout, RateLimit: rateLimit, RateBurst: rateBurst,
				MaxTokenTTL: maxTokenTTL, PublicURL: front.publicURL, TrustedProxies: front.proxies,
				ServingHeapBudget: min(servingMiB, maxHeapBudgetMiB) << 20,
			})
			if err != nil {
				return err
			}
			// Stopped before the deferred Close of the store: the projections' snapshot is saved
			// with everything they applied, and the tree's checkpoint closed.
			defer svc.Stop()
			if demo {
				if err := seedDemo(ctx, store, svc.Commands, log); err != nil {
					return err
				}
			}
			srv, err := newHTTPServer(svc.Handler, hopts, log)
			if err != nil {
				return err
			}
			svc.Start()
			log.Info("serving", "addr", ln.Addr().String(), "tls", srv.TLSConfig != nil, "store", redact(sf.store), "data", sf.data,
				"rate_limit", rateLimit, "rate_burst", rateBurst, "request_timeout", requestTimeout.String(),
				"heap_budget_mib", pacedBudget(hb, paced), "max_token_ttl", maxTokenTTL.String(), "public_url", publicURL,
				"trusted_proxies", strings.Join(trustedProxies, ","))
			if format == logText {
				fmt.Fprint(os.Stderr, startBanner(baseURL(ln.Addr(), srv.TLSConfig != nil, front.publicURL), sf.data))
			}
			// On SIGTERM or SIGINT: stop accepting and finish what is in flight; then the service
			// stops (saving the projections' snapshot) and the deferred Close closes the store last.
			return serveHTTP(ctx, srv, ln, hopts.shutdownGrace, log)
		},
	}
	sf.register(cmd)
	hb.register(cmd)
	registerServing(cmd, &servingMiB)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&demo, "demo", false, "seed a realistic demo data set into an empty store before serving")
	cmd.Flags().StringVar(&hopts.certFile, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with, TLS 1.2 or later; needs --tls-key")
	cmd.Flags().StringVar(&hopts.keyFile, "tls-key", "", "PEM private key of --tls-cert")
	cmd.Flags().Float64Var(&rateLimit, "rate-limit", 1000, "requests a second allowed to each person (anonymous: each client address) on /v1 and the dashboard together; 0 for no limit")
	cmd.Flags().IntVar(&rateBurst, "rate-burst", 2000, "requests each person may send at once before --rate-limit applies")
	cmd.Flags().DurationVar(&requestTimeout, "request-timeout", 20*time.Second, "longest a request may be handled before it is answered 503")
	cmd.Flags().DurationVar(&maxTokenTTL, "max-token-ttl", auth.DefaultMaxTTL, "longest lifetime (exp - iat) of a token the server accepts")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "the address people reach the service at, behind a proxy (https://...: the dashboard's cookie is Secure)")
	cmd.Flags().StringSliceVar(&trustedProxies, "trusted-proxy", nil, "address or CIDR of a proxy whose X-Forwarded-Proto is believed (repeatable)")
	cmd.Flags().StringVar(&logFormat, "log-format", logAuto, "json, text, or auto: text when standard error is a terminal, with a first line saying how to sign in; json otherwise")
	return cmd
}

// baseURL is the address people reach the service at: --public-url when given, else the address it
// listens on (a wildcard address shown as the loopback one, which is where a person on this machine
// reaches it).
func baseURL(addr net.Addr, tls bool, public *url.URL) string {
	if public != nil {
		return strings.TrimRight(public.String(), "/")
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
	}
	return scheme + "://" + host
}

// front is how the service is reached when a proxy stands in front of it.
type front struct {
	publicURL *url.URL
	proxies   []netip.Prefix
}

func parseFront(publicURL string, proxies []string) (front, error) {
	var f front
	if publicURL != "" {
		u, err := url.Parse(publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return front{}, fmt.Errorf("--public-url %q must be an http or https URL such as https://ledger.example.org", publicURL)
		}
		f.publicURL = u
	}
	for _, p := range proxies {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return front{}, fmt.Errorf("--trusted-proxy %q must be an IP address or a CIDR such as 10.0.0.0/24", p)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		f.proxies = append(f.proxies, prefix.Masked())
	}
	return f, nil
}
