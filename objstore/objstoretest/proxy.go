package objstoretest

import (
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fault is what the proxy does to one request.
type Fault int

// The faults.
const (
	Pass        Fault = iota
	Unavailable       // answer 503 Slow Down without forwarding
	Truncate          // forward, then cut the body in half and drop the connection
	ResetConn         // drop the connection without answering
)

// RandomFaults returns a fault chooser that, with a seeded generator,
// answers 503 SlowDown to a share p503 of the requests, drops the
// connection of pReset and cuts the body of pCut: the mix object stores
// produce under load. Counts are reported through n (may be nil).
func RandomFaults(seed uint64, p503, pReset, pCut float64, n *atomic.Int64) func(*http.Request) Fault {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return func(*http.Request) Fault {
		x := rng.Float64() // called under the proxy's lock
		f := Pass
		switch {
		case x < p503:
			f = Unavailable
		case x < p503+pReset:
			f = ResetConn
		case x < p503+pReset+pCut:
			f = Truncate
		}
		if f != Pass && n != nil {
			n.Add(1)
		}
		return f
	}
}

// Proxy is a loopback reverse proxy in front of a store server. It keeps
// the client's Host header, so signed requests still verify.
type Proxy struct {
	URL   string
	Delay time.Duration // added before forwarding every request

	mu    sync.Mutex
	fault func(r *http.Request) Fault

	requests atomic.Int64
	bytes    atomic.Int64
}

// NewProxy starts a proxy to target for the life of tb.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatalf("proxy target %q: %v", target, err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // cut responses are deliberate
	rp.ModifyResponse = func(resp *http.Response) error {
		resp.Body = &countBody{r: resp.Body, n: &p.bytes}
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if p.Delay > 0 {
			time.Sleep(p.Delay)
		}
		f := Pass
		p.mu.Lock()
		if p.fault != nil {
			f = p.fault(r)
		}
		p.mu.Unlock()
		switch f {
		case Unavailable:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		case Truncate:
			p.truncate(w, r, u)
			return
		case ResetConn:
			panic(http.ErrAbortHandler) // closes the connection, no answer
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// SetFault installs the fault chooser (nil: none).
func (p *Proxy) SetFault(f func(r *http.Request) Fault) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// Requests is the number of requests seen; Bytes the response body bytes
// passed back.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Bytes is the number of response body bytes returned to clients.
func (p *Proxy) Bytes() int64 { return p.bytes.Load() }

// Reset zeroes the counters.
func (p *Proxy) Reset() { p.requests.Store(0); p.bytes.Store(0) }

// truncate forwards r, sends the status, headers (with the full
// Content-Length) and half the body, then drops the connection.
func (p *Proxy) truncate(w http.ResponseWriter, r *http.Request, target *url.URL) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || len(body) < 2 {
		http.Error(w, "proxy: body too short to cut", http.StatusBadGateway)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body[:len(body)/2])
	p.bytes.Add(int64(len(body) / 2))
	w.(http.Flusher).Flush()
	panic(http.ErrAbortHandler) // closes the connection mid-body
}

type countBody struct {
	r io.ReadCloser
	n *atomic.Int64
}

func (c *countBody) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countBody) Close() error { return c.r.Close() }
