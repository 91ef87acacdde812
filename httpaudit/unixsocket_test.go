package httpaudit_test

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/secaudit/auditkit/httpaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// TestUnixSocketPeer (red team): an http.Server on a Unix socket reports
// the path the client bound as RemoteAddr, and a local user can bind to the
// relative path "127.0.0.1:80". It is not a peer address: the request has
// none, and no proxy header is believed, however TrustedProxies reads.
func TestUnixSocketPeer(t *testing.T) {
	for _, name := range []string{"127.0.0.1:80", "127.0.0.1", ""} {
		t.Run(name, func(t *testing.T) {
			buf := &syncBuffer{}
			m, err := httpaudit.New(slog.New(slogaudit.NewHandler(buf, nil)), &httpaudit.Options{TrustedProxies: []string{"127.0.0.1"}})
			if err != nil {
				t.Fatal(err)
			}
			var remote string
			srv := &http.Server{Handler: m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				remote = r.RemoteAddr
				w.WriteHeader(http.StatusForbidden)
			}))}
			sock := filepath.Join(t.TempDir(), "srv.sock")
			lis, err := net.Listen("unix", sock)
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(lis) }()
			defer srv.Close()

			t.Chdir(t.TempDir()) // the client's socket name is relative
			var local *net.UnixAddr
			if name != "" {
				local = &net.UnixAddr{Name: name, Net: "unix"}
			}
			c, err := net.DialUnix("unix", local, &net.UnixAddr{Name: sock, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			req, _ := http.NewRequest("GET", "http://x/", nil)
			req.Header.Set("X-Forwarded-For", "203.0.113.66")
			if err := req.Write(c); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			a := buf.attrs(t)
			if len(a) != 1 {
				t.Fatalf("lines: %s", buf)
			}
			for _, k := range []string{slogaudit.KeyClientAddress, slogaudit.KeyPeerAddress} {
				if v, ok := a[0][k]; ok {
					t.Errorf("%s = %v from RemoteAddr %q", k, v, remote)
				}
			}
		})
	}
}
