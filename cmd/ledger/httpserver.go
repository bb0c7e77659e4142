package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// httpOptions are how the service's HTTP server is run. The timeouts close connections that send
// headers or bodies too slowly (slowloris), bound responses and idle keep-alives; the handler's
// own deadline (api.Config.RequestTimeout) is shorter than WriteTimeout so that its 503 can still
// be written.
type httpOptions struct {
	certFile, keyFile string
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
	// shutdownGrace bounds the wait for in-flight requests once a stop is asked for.
	shutdownGrace time.Duration
}

func defaultHTTPOptions() httpOptions {
	return httpOptions{
		readHeaderTimeout: 10 * time.Second,
		readTimeout:       30 * time.Second,
		writeTimeout:      30 * time.Second,
		idleTimeout:       2 * time.Minute,
		shutdownGrace:     25 * time.Second,
	}
}

// newHTTPServer builds the server. With a certificate and key it serves TLS 1.2 or later only; the
// pair is loaded here, so that a wrong path or a key that does not match stops the start.
func newHTTPServer(h http.Handler, o httpOptions, log *slog.Logger) (*http.Server, error) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: o.readHeaderTimeout,
		ReadTimeout:       o.readTimeout,
		WriteTimeout:      o.writeTimeout,
		IdleTimeout:       o.idleTimeout,
		MaxHeaderBytes:    64 << 10,
		// net/http's own complaints (TLS handshakes, malformed requests) go through the service's
		// redacting log rather than to stderr as plain text.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	switch {
	case o.certFile == "" && o.keyFile == "":
		return srv, nil
	case o.certFile == "" || o.keyFile == "":
		return nil, errors.New("--tls-cert and --tls-key go together: give both, or neither for plain HTTP")
	}
	cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", o.certFile, o.keyFile, err)
	}
	srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	return srv, nil
}

// serveHTTP serves on ln until ctx ends, then shuts down gracefully: the listener closes at once
// (new connections are refused), requests in flight, commands included, run to completion within
// the grace period, idle connections close. It returns once nothing is in flight, so that the
// caller may close the store behind it.
func serveHTTP(ctx context.Context, srv *http.Server, ln net.Listener, grace time.Duration, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	log.Info("shutting down: refusing new connections, finishing requests in flight", "grace", grace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-errc // http.ErrServerClosed, now that Shutdown has closed the listener
	if err != nil {
		// Past the grace, drop the connections still open rather than leave them to a store that
		// is about to close; their commands end with the store's ErrClosed, never half-written.
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still in flight after %s: %w", grace, err)
	}
	log.Info("http server stopped; nothing in flight")
	return nil
}

// connPassword is the password in an esdb:// connection string, if any, so that it can be kept out
// of the log wherever it might turn up.
func connPassword(conn string) []byte {
	scheme := strings.Index(conn, "://")
	at := strings.LastIndex(conn, "@")
	if scheme < 0 || at < scheme {
		return nil
	}
	_, pass, ok := strings.Cut(conn[scheme+3:at], ":")
	if !ok {
		return nil
	}
	return []byte(pass)
}
