// Tests of Fetch against httptest servers speaking Yahoo's and Stooq's formats.

package data

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// A reply is one scripted response; delay makes the server stall.
type reply struct {
	code       int
	body       string // or the contents of testdata/file
	file       string
	retryAfter string
	stall      bool // wait until the client gives up
}

// fakeServer answers requests with replies in order (the last repeats)
// and records what it was asked.
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	replies []reply
	reqs    []*http.Request
}

func newFakeServer(t *testing.T, replies ...reply) *fakeServer {
	t.Helper()
	f := &fakeServer{replies: replies}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		rp := f.replies[min(len(f.reqs), len(f.replies)-1)]
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.mu.Unlock()
		if rp.stall {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		body := rp.body
		if rp.file != "" {
			b, err := os.ReadFile(filepath.Join("testdata", rp.file))
			if err != nil {
				t.Error(err)
			}
			body = string(b)
		}
		if rp.retryAfter != "" {
			w.Header().Set("Retry-After", rp.retryAfter)
		}
		w.WriteHeader(rp.code)
		w.Write([]byte(body))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// opts returns FetchOptions aimed at f with millisecond backoff.
func (f *fakeServer) opts(source, symbol string) FetchOptions {
	return FetchOptions{
		Source:  source,
		Symbol:  symbol,
		From:    day("2020-01-01"),
		To:      day("2020-01-31"),
		BaseURL: f.URL,
		Client:  f.Client(),
		Backoff: time.Millisecond,
		Timeout: 5 * time.Second,
	}
}

// The closes and adjusted closes in testdata/yahoo-chart-gspc.json, whose
// adjclose array was edited to differ from close (see yahooAdjCloses), and
// the days they belong to (2020-01-07 is null in both).
var (
	gspcCloses    = []float64{3257.85009765625, 3234.85009765625, 3246.280029296875, 3253.050048828125}
	gspcAdjCloses = []float64{3201.017578125, 3178.419921875, 3189.650390625, 3196.27001953125}
	gspcDays      = []string{"2020-01-02", "2020-01-03", "2020-01-06", "2020-01-08"}
)

func TestFetchYahoo(t *testing.T) {
	srv := newFakeServer(t, reply{code: 200, file: "yahoo-chart-gspc.json"})
	s, rep, err := FetchReport(context.Background(), srv.opts("", "^GSPC"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Values, gspcCloses) {
		t.Errorf("values %v, want %v", s.Values, gspcCloses)
	}
	if dates := days(s); !slices.Equal(dates, gspcDays) {
		t.Errorf("dates %v, want %v", dates, gspcDays)
	}
	if rep.Nulls != 1 || rep.Rows != 4 || s.Name != "yahoo:^GSPC" {
		t.Errorf("report %+v, name %q", rep, s.Name)
	}
	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if got := r.URL.EscapedPath(); got != "/v8/finance/chart/%5EGSPC" {
		t.Errorf("path %s, want the symbol escaped", got)
	}
	q := r.URL.Query()
	for k, v := range map[string]string{"period1": "1577836800", "period2": "1580515200", "interval": "1d",
		"events": "history", "includeAdjustedClose": "true"} {
		if q.Get(k) != v {
			t.Errorf("query %s=%q, want %q", k, q.Get(k), v)
		}
	}
	if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestFetchYahooColumnsAndRange(t *testing.T) {
	srv := newFakeServer(t, reply{code: 200, file: "yahoo-chart-gspc.json"})
	tests := []struct {
		name   string
		column string
		from   string // default 2020-01-01
		to     string
		want   []float64
		dates  []string // default gspcDays[:len(want)]
	}{
		{"close", "close", "", "2020-01-31", gspcCloses, nil},
		{"default column", "", "", "2020-01-31", gspcCloses, nil},
		{"adjclose", "adjclose", "", "2020-01-31", gspcAdjCloses, nil},
		{"Adj Close", "Adj Close", "", "2020-01-31", gspcAdjCloses, nil},
		{"open", "open", "", "2020-01-31", []float64{3244.669921875, 3226.360107421875, 3217.550048828125, 3238.590087890625}, nil},
		{"volume", "volume", "", "2020-01-31", []float64{3459930000, 3484700000, 3702460000, 3720890000}, nil},
		{"to is inclusive", "close", "", "2020-01-06", gspcCloses[:3], nil},
		{"to is inclusive, adjclose", "adjclose", "", "2020-01-06", gspcAdjCloses[:3], nil},
		{"from is inclusive", "close", "2020-01-03", "2020-01-06", gspcCloses[1:3], gspcDays[1:3]},
		{"one day", "close", "2020-01-08", "2020-01-08", gspcCloses[3:], gspcDays[3:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := srv.opts(SourceYahoo, "^GSPC")
			o.Column, o.To = tt.column, day(tt.to)
			if tt.from != "" {
				o.From = day(tt.from)
			}
			if tt.dates == nil {
				tt.dates = gspcDays[:len(tt.want)]
			}
			s, err := Fetch(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.Values, tt.want) {
				t.Errorf("values %v, want %v", s.Values, tt.want)
			}
			if dates := days(s); !slices.Equal(dates, tt.dates) {
				t.Errorf("dates %v, want %v", dates, tt.dates)
			}
		})
	}
}

// days formats the series' dates.
func days(s *Series) []string {
	var out []string
	for _, d := range s.Dates {
		out = append(out, d.Format(DateLayout))
	}
	return out
}

// A day is its timestamp in the exchange's time: Tokyo (UTC+9) opens at
// 00:00 UTC, which is 09:00 of the same day there and 15:00 of the day
// before in New York.
func TestFetchYahooGMTOffset(t *testing.T) {
	// 1578268800 is 2020-01-06 00:00 UTC, 1578355200 the day after.
	srv := newFakeServer(t, reply{code: 200, body: `{"chart":{"result":[{"meta":{"gmtoffset":32400},` +
		`"timestamp":[1578268800,1578355200],"indicators":{"quote":[{"close":[23204.86,23575.72]}]}}]}}`})
	s, err := Fetch(context.Background(), srv.opts(SourceYahoo, "^N225"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := days(s), []string{"2020-01-06", "2020-01-07"}; !slices.Equal(got, want) {
		t.Errorf("days %v, want %v", got, want)
	}
}

func TestFetchRetries(t *testing.T) {
	ok := reply{code: 200, file: "yahoo-chart-gspc.json"}
	tests := []struct {
		name     string
		replies  []reply
		requests int
	}{
		{"500 then success", []reply{{code: 500, body: "oops"}, ok}, 2},
		{"429 then success", []reply{{code: 429, retryAfter: "0"}, ok}, 2},
		{"429 with HTTP-date Retry-After", []reply{{code: 429, retryAfter: "Mon, 02 Jan 2006 15:04:05 GMT"}, ok}, 2},
		// One second is within MaxRetryAfter (30 s): waited, not refused.
		{"429 with Retry-After 1", []reply{{code: 429, retryAfter: "1"}, ok}, 2},
		{"three 502s then success", []reply{{code: 502}, {code: 502}, {code: 503}, ok}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, tt.replies...)
			s, err := Fetch(context.Background(), srv.opts(SourceYahoo, "^GSPC"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 4 {
				t.Errorf("%d rows", s.Len())
			}
			if n := len(srv.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}

// A zero Timeout means DefaultTimeout (30 s) per attempt, not none at all.
func TestFetchDefaultTimeout(t *testing.T) {
	srv := newFakeServer(t, reply{code: 200, file: "yahoo-chart-gspc.json"})
	o := srv.opts(SourceYahoo, "^GSPC")
	o.Timeout = 0
	s, err := Fetch(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Values, gspcCloses) {
		t.Errorf("values %v, want %v", s.Values, gspcCloses)
	}
}

func TestFetchErrors(t *testing.T) {
	const prefix = "data: fetch ^GSPC from yahoo: "
	tests := []struct {
		name     string
		replies  []reply
		edit     func(*FetchOptions)
		sentinel error
		requests int
		want     string
	}{
		{name: "unknown symbol", replies: []reply{{code: 404, file: "yahoo-404.json"}}, sentinel: ErrUnknownSymbol, requests: 1,
			want: prefix + "unknown symbol: No data found, symbol may be delisted"},
		{name: "404 without JSON", replies: []reply{{code: 404, body: "<html>"}}, sentinel: ErrUnknownSymbol, requests: 1,
			want: prefix + "unknown symbol: 404 Not Found"},
		{name: "error in a 200", replies: []reply{{code: 200, file: "yahoo-404.json"}}, sentinel: ErrUnknownSymbol,
			requests: 1, want: "unknown symbol: No data found"},
		{name: "persistent 503", replies: []reply{{code: 503, body: "try later"}}, sentinel: ErrHTTP, requests: 4,
			want: prefix + "HTTP error 503 Service Unavailable (gave up after 4 attempts): try later"},
		{name: "no retries", replies: []reply{{code: 500}}, edit: func(o *FetchOptions) { o.Retries = -1 },
			sentinel: ErrHTTP, requests: 1, want: prefix + "HTTP error 500 Internal Server Error"},
		{name: "long Retry-After", replies: []reply{{code: 429, retryAfter: "3600"}}, sentinel: ErrHTTP, requests: 1,
			want: prefix + "HTTP error 429 Too Many Requests: asks to retry after 1h0m0s; try later"},
		{name: "other yahoo error", replies: []reply{{code: 200, body: `{"chart":{"result":null,"error":{"code":"Bad Request","description":"Invalid input"}}}`}},
			requests: 1, want: prefix + "yahoo says Bad Request: Invalid input"},
		{name: "500 with a JSON error", replies: []reply{{code: 500, body: `{"chart":{"error":{"code":"Internal"}}}`}}, sentinel: ErrHTTP,
			requests: 4, want: prefix + `HTTP error 500 Internal Server Error (gave up after 4 attempts): {"chart":{"error":{"code":"Internal"}}}`},
		{name: "forbidden", replies: []reply{{code: 403, body: "blocked\n"}}, sentinel: ErrHTTP, requests: 1,
			want: prefix + "HTTP error 403 Forbidden: blocked"},
		{name: "timeout", replies: []reply{{stall: true}}, edit: func(o *FetchOptions) { o.Timeout = 50 * time.Millisecond },
			sentinel: ErrTimeout, requests: 1, want: prefix + "timed out after 50ms"},
		{name: "bad JSON", replies: []reply{{code: 200, body: "{not json"}}, requests: 1,
			want: prefix + `bad JSON response: invalid character 'n' looking for beginning of object key string (starts "{not json")`},
		{name: "short array", replies: []reply{{code: 200, body: `{"chart":{"result":[{"timestamp":[1577975400,1578061800],` +
			`"indicators":{"quote":[{"close":[1]}]}}]}}`}}, requests: 1, want: prefix + "bad response: 2 timestamps, 1 close values"},
		{name: "zero price", replies: []reply{{code: 200, body: `{"chart":{"result":[{"timestamp":[1577975400,1578061800],` +
			`"indicators":{"quote":[{"close":[1,0]}]}}]}}`}}, sentinel: ErrNonPos, requests: 1, want: prefix + "2020-01-03: non-positive close 0"},
		{name: "no adjclose", replies: []reply{{code: 200, body: `{"chart":{"result":[{"timestamp":[1577975400],` +
			`"indicators":{"quote":[{"close":[1]}]}}]}}`}}, edit: func(o *FetchOptions) { o.Column = "adjclose" },
			requests: 1, want: prefix + `response has no "adjclose" values`},
		{name: "empty quote", replies: []reply{{code: 200, body: `{"chart":{"result":[{"timestamp":[1577975400],` +
			`"indicators":{"quote":[]}}]}}`}}, requests: 1, want: prefix + `response has no "close" values`},
		{name: "empty adjclose", replies: []reply{{code: 200, body: `{"chart":{"result":[{"timestamp":[1577975400],` +
			`"indicators":{"quote":[{"close":[1]}],"adjclose":[]}}]}}`}}, edit: func(o *FetchOptions) { o.Column = "adjclose" },
			requests: 1, want: prefix + `response has no "adjclose" values`},
		{name: "empty range", replies: []reply{{code: 200, body: `{"chart":{"result":[{"indicators":{"quote":[{}]}}]}}`}},
			sentinel: ErrNoRows, requests: 1, want: prefix + "no data rows: no days in range"},
		{name: "all outside range", replies: []reply{{code: 200, file: "yahoo-chart-gspc.json"}},
			edit: func(o *FetchOptions) { o.From, o.To = day("2021-01-01"), day("2021-02-01") }, sentinel: ErrNoRows, requests: 1,
			want: prefix + "no data rows: no data from 2021-01-01 to 2021-02-01"},
		{name: "no symbol", edit: func(o *FetchOptions) { o.Symbol = "" }, want: "data: fetch from yahoo: no symbol"},
		{name: "unknown source", edit: func(o *FetchOptions) { o.Source = "bloomberg" },
			want: `data: fetch ^GSPC: unknown source "bloomberg" (want yahoo or stooq)`},
		{name: "to before from", edit: func(o *FetchOptions) { o.To = day("2019-01-01") },
			want: "data: fetch ^GSPC: to 2019-01-01 is before from 2020-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.replies == nil {
				tt.replies = []reply{{code: 200, file: "yahoo-chart-gspc.json"}}
			}
			srv := newFakeServer(t, tt.replies...)
			o := srv.opts(SourceYahoo, "^GSPC")
			if tt.edit != nil {
				tt.edit(&o)
			}
			start := time.Now()
			s, err := Fetch(context.Background(), o)
			if s != nil {
				t.Error("got a series with an error")
			}
			wantErr(t, err, tt.want)
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("%v is not %v", err, tt.sentinel)
			}
			if n := len(srv.requests()); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestFetchOffline(t *testing.T) {
	srv := newFakeServer(t, reply{code: 200})
	o := srv.opts(SourceYahoo, "^GSPC")
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	_, err := Fetch(context.Background(), o)
	wantErr(t, err, "data: fetch ^GSPC from yahoo: cannot reach "+host+" (no network?): ", "connection refused")
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("%v is not ErrUnreachable", err)
	}
}

func TestFetchCancelledWhileWaiting(t *testing.T) {
	srv := newFakeServer(t, reply{code: 503})
	o := srv.opts(SourceYahoo, "^GSPC")
	o.Backoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Fetch(ctx, o)
	wantErr(t, err, "context deadline exceeded (while waiting to retry HTTP 503 Service Unavailable)")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v is not context.DeadlineExceeded", err)
	}
}

func TestFetchStooq(t *testing.T) {
	srv := newFakeServer(t, reply{code: 200, file: "stooq-spx.csv"})
	s, err := Fetch(context.Background(), srv.opts(SourceStooq, "^spx"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{3257.85, 3234.85, 3246.28, 3237.18, 3253.05}; !slices.Equal(s.Values, want) {
		t.Errorf("values %v, want %v", s.Values, want)
	}
	if want := []string{"2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08"}; !slices.Equal(days(s), want) {
		t.Errorf("dates %v, want %v", days(s), want)
	}
	if s.Name != "stooq:^spx" {
		t.Errorf("name %q", s.Name)
	}
	r := srv.requests()[0]
	if r.URL.Path != "/q/d/l/" {
		t.Errorf("path %q", r.URL.Path)
	}
	if got := r.URL.RawQuery; got != "d1=20200101&d2=20200131&i=d&s=%5Espx" {
		t.Errorf("query %q", got)
	}
	if r.Header.Get("User-Agent") == "" {
		t.Error("no User-Agent")
	}

	// Fetched, written, loaded: the same series.
	path := filepath.Join(t.TempDir(), "spx.csv")
	if err := WriteCSV(path, s, "close"); err != nil {
		t.Fatal(err)
	}
	back, err := LoadCSV(path, "close")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Values, s.Values) || !slices.EqualFunc(back.Dates, s.Dates, time.Time.Equal) {
		t.Error("WriteCSV/LoadCSV changed the fetched series")
	}
}

func TestFetchStooqErrors(t *testing.T) {
	tests := []struct {
		name     string
		replies  []reply
		column   string
		sentinel error
		want     string
	}{
		{"no data", []reply{{code: 200, body: "No data"}}, "", ErrUnknownSymbol,
			`data: fetch ^nope from stooq: unknown symbol: stooq says "No data"`},
		{"empty body", []reply{{code: 200}}, "", ErrUnknownSymbol, "unknown symbol"},
		{"adjclose", []reply{{code: 200, file: "stooq-spx.csv"}}, "adjclose", ErrNoColumn,
			"data: fetch ^nope from stooq: no such column: stooq serves no adjclose"},
		{"limit page", []reply{{code: 200, body: "Exceeded the daily hits limit"}}, "", ErrNoColumn,
			`data: stooq:^nope: no such column "date" (header has: Exceeded the daily hits limit)`},
		{"bad row", []reply{{code: 200, body: "Date,Open,High,Low,Close,Volume\n2020-01-02,1,1,1,-2,0\n"}}, "", ErrNonPos,
			"data: stooq:^nope:2:5: non-positive close -2"},
		{"persistent 500", []reply{{code: 500}}, "", ErrHTTP, "data: fetch ^nope from stooq: HTTP error 500 Internal Server Error (gave up after 4 attempts)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, tt.replies...)
			o := srv.opts(SourceStooq, "^nope")
			o.Column = tt.column
			_, err := Fetch(context.Background(), o)
			wantErr(t, err, tt.want)
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("%v is not %v", err, tt.sentinel)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": -1, "0": 0, "2": 2 * time.Second, " 7 ": 7 * time.Second, "soon": -1, "-3": -1,
		"Mon, 02 Jan 2006 15:04:05 GMT": 0,
	} {
		if got := parseRetryAfter(in); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// The defaults FetchOptions documents, filled in before any request.
func TestFetchOptionsDefaults(t *testing.T) {
	var o FetchOptions
	o.defaults()
	if o.Source != SourceYahoo || o.Column != "close" || o.BaseURL != "https://query1.finance.yahoo.com" ||
		o.Client != http.DefaultClient || o.Retries != 3 || o.Timeout != 30*time.Second || o.Backoff != time.Second ||
		o.UserAgent != DefaultUserAgent || !o.From.Equal(day("1900-01-01")) || time.Since(o.To) > time.Minute {
		t.Errorf("zero options became %+v", o)
	}
	tests := []struct {
		name string
		in   FetchOptions
		want func(FetchOptions) bool
	}{
		{"stooq's host", FetchOptions{Source: SourceStooq}, func(o FetchOptions) bool { return o.BaseURL == "https://stooq.com" }},
		{"trailing slashes", FetchOptions{BaseURL: "http://h//"}, func(o FetchOptions) bool { return o.BaseURL == "http://h" }},
		{"no retries", FetchOptions{Retries: -1}, func(o FetchOptions) bool { return o.Retries == 0 }},
		{"two retries", FetchOptions{Retries: 2}, func(o FetchOptions) bool { return o.Retries == 2 }},
		{"negative timeout and backoff", FetchOptions{Timeout: -1, Backoff: -1},
			func(o FetchOptions) bool { return o.Timeout == 30*time.Second && o.Backoff == time.Second }},
		{"timeout and backoff kept", FetchOptions{Timeout: time.Millisecond, Backoff: time.Microsecond},
			func(o FetchOptions) bool { return o.Timeout == time.Millisecond && o.Backoff == time.Microsecond }},
	}
	for _, tt := range tests {
		o := tt.in
		o.defaults()
		if !tt.want(o) {
			t.Errorf("%s: %+v", tt.name, o)
		}
	}
}

func TestRetryWait(t *testing.T) {
	tests := []struct {
		backoff time.Duration
		attempt int
		want    time.Duration
	}{
		{time.Second, 1, time.Second},
		{time.Second, 2, 2 * time.Second},
		{time.Second, 3, 4 * time.Second},
		{time.Second, 6, 32 * time.Second},
		{time.Second, 7, time.Minute}, // 64 s, over maxBackoff
		{time.Minute, 1, time.Minute},
		{time.Nanosecond, 31, 1 << 30}, // 2^30 ns, about 1.07 s
		{time.Nanosecond, 40, 1 << 30}, // the doubling stops after 30
		{1 << 34, 31, time.Minute},     // 2^64 ns overflows to 0
		{1 << 33, 31, time.Minute},     // 2^63 ns overflows to a negative wait
	}
	for _, tt := range tests {
		if got := retryWait(tt.backoff, tt.attempt); got != tt.want {
			t.Errorf("retryWait(%v, %d) = %v, want %v", tt.backoff, tt.attempt, got, tt.want)
		}
	}
}

// Retry-After decides the wait when present: 0 s retries at once however
// long the backoff, and MaxRetryAfter itself is waited (here until the
// context ends), not refused.
func TestFetchRetryAfterWaits(t *testing.T) {
	ok := reply{code: 200, file: "yahoo-chart-gspc.json"}
	t.Run("zero", func(t *testing.T) {
		srv := newFakeServer(t, reply{code: 429, retryAfter: "0"}, ok)
		o := srv.opts(SourceYahoo, "^GSPC")
		o.Backoff = time.Hour
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := Fetch(ctx, o); err != nil {
			t.Fatalf("%v: waited the backoff instead of Retry-After: 0", err)
		}
	})
	t.Run("MaxRetryAfter", func(t *testing.T) {
		srv := newFakeServer(t, reply{code: 429, retryAfter: "30"}, ok)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := Fetch(ctx, srv.opts(SourceYahoo, "^GSPC"))
		wantErr(t, err, "context deadline exceeded (while waiting to retry HTTP 429 Too Many Requests)")
	})
}

// snippet folds white space and keeps at most 120 runes, marking a cut.
func TestSnippet(t *testing.T) {
	r120 := strings.Repeat("é", 120)
	tests := []struct{ in, want string }{
		{"", ""},
		{"  a\n\tb  ", "a b"},
		{r120, r120},
		{r120 + "x", r120 + "..."},
		{strings.Repeat("ab ", 400), strings.Repeat("ab ", 40) + "..."}, // 120 runes end in a space
	}
	for _, tt := range tests {
		if got := snippet([]byte(tt.in)); got != tt.want {
			t.Errorf("snippet(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
