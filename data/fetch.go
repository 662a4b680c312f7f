// Live download of daily prices from Yahoo Finance (v8 chart API) or Stooq (CSV).

package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Fetch defaults.
const (
	SourceYahoo = "yahoo"
	SourceStooq = "stooq"

	DefaultYahooURL  = "https://query1.finance.yahoo.com"
	DefaultStooqURL  = "https://stooq.com"
	DefaultUserAgent = "Mozilla/5.0 (compatible; mpitrain-data/1.0)"
	DefaultRetries   = 3
	DefaultTimeout   = 30 * time.Second
	DefaultBackoff   = time.Second

	// MaxRetryAfter is the longest Retry-After a server may ask for;
	// Fetch gives up at once on a longer one rather than hang.
	MaxRetryAfter = 30 * time.Second

	maxBody    = 32 << 20    // bytes read from a response at most
	maxBackoff = time.Minute // longest wait between two attempts
)

// FetchOptions says what to download and how. Only Symbol is required.
type FetchOptions struct {
	Source    string        // SourceYahoo (default) or SourceStooq
	Symbol    string        // "^GSPC" on Yahoo, "^spx" on Stooq
	Column    string        // "close" (default), "open", "high", "low", "volume"; "adjclose" on Yahoo only
	From, To  time.Time     // first and last day wanted, inclusive; zero From: 1900-01-01, zero To: today
	BaseURL   string        // scheme and host; default DefaultYahooURL or DefaultStooqURL
	Client    *http.Client  // default http.DefaultClient
	Retries   int           // further attempts after a 429 or 5xx; 0 means DefaultRetries, < 0 none
	Timeout   time.Duration // per attempt, reading the body included; 0 means DefaultTimeout
	Backoff   time.Duration // wait before the first retry, doubled for each next; 0 means DefaultBackoff
	UserAgent string        // default DefaultUserAgent
}

// Fetch downloads a daily series and cleans it as Clean does.
//
// Yahoo: GET {BaseURL}/v8/finance/chart/{Symbol}?period1=..&period2=..
// &interval=1d&events=history&includeAdjustedClose=true, the JSON endpoint
// yfinance uses; days whose value is null are skipped; a day's date is its
// timestamp shifted by the exchange's gmtoffset. Stooq: GET
// {BaseURL}/q/d/l/?s={Symbol}&d1=YYYYMMDD&d2=YYYYMMDD&i=d, a CSV read by
// ReadCSV.
//
// A 429 or 5xx response is retried Retries times, waiting Backoff, then
// twice that, and so on (at most a minute), or the server's Retry-After
// if it is at most MaxRetryAfter. Network errors and timeouts are not retried. Errors name
// the symbol and source and wrap ErrUnknownSymbol, ErrUnreachable,
// ErrTimeout or ErrHTTP: "data: fetch ^GSPC from yahoo: cannot reach
// query1.finance.yahoo.com (no network?): ...".
func Fetch(ctx context.Context, o FetchOptions) (*Series, error) {
	s, _, err := FetchReport(ctx, o)
	return s, err
}

// FetchReport is Fetch that also returns the cleaning report (Nulls counts
// the days skipped for a null value).
func FetchReport(ctx context.Context, o FetchOptions) (*Series, LoadReport, error) {
	o.defaults()
	if o.Symbol == "" {
		return nil, LoadReport{}, fmt.Errorf("data: fetch from %s: no symbol", o.Source)
	}
	if o.To.Before(o.From) {
		return nil, LoadReport{}, fmt.Errorf("data: fetch %s: to %s is before from %s", o.Symbol, o.To.Format(DateLayout), o.From.Format(DateLayout))
	}
	var (
		s   *Series
		rep LoadReport
		err error
	)
	switch o.Source {
	case SourceYahoo:
		s, rep, err = o.yahoo(ctx)
	case SourceStooq:
		s, rep, err = o.stooq(ctx)
	default:
		return nil, LoadReport{}, fmt.Errorf("data: fetch %s: unknown source %q (want %s or %s)", o.Symbol, o.Source, SourceYahoo, SourceStooq)
	}
	if err != nil {
		return nil, LoadReport{}, err
	}
	// Keep [From, To] only: providers round the range outward.
	lo, hi := unixDay(o.From), unixDay(o.To)
	kept := &Series{Name: s.Name}
	for i, d := range s.Dates {
		if day := unixDay(d); day >= lo && day <= hi {
			kept.Dates = append(kept.Dates, d)
			kept.Values = append(kept.Values, s.Values[i])
		}
	}
	if kept.Len() == 0 {
		return nil, LoadReport{}, o.errorf("%w: no data from %s to %s", ErrNoRows, o.From.Format(DateLayout), o.To.Format(DateLayout))
	}
	clean, err := Clean(kept)
	if err != nil {
		return nil, LoadReport{}, err
	}
	clean.Nulls = rep.Nulls
	return kept, clean, nil
}

func (o *FetchOptions) defaults() {
	if o.Source == "" {
		o.Source = SourceYahoo
	}
	if o.Column == "" {
		o.Column = DefaultColumn
	}
	if o.From.IsZero() {
		o.From = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.To.IsZero() {
		o.To = time.Now()
	}
	if o.BaseURL == "" {
		o.BaseURL = DefaultYahooURL
		if o.Source == SourceStooq {
			o.BaseURL = DefaultStooqURL
		}
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	switch {
	case o.Retries == 0:
		o.Retries = DefaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
}

func (o *FetchOptions) errorf(format string, args ...any) error {
	return fmt.Errorf("data: fetch %s from %s: %w", o.Symbol, o.Source, fmt.Errorf(format, args...))
}

// yahooChart is the part of a v8 chart response that Fetch reads.
type yahooChart struct {
	Chart struct {
		Result []struct {
			Meta struct {
				GMTOffset int64 `json:"gmtoffset"`
			} `json:"meta"`
			Timestamp  []int64 `json:"timestamp"`
			Indicators struct {
				Quote    []map[string][]*float64 `json:"quote"`
				AdjClose []map[string][]*float64 `json:"adjclose"`
			} `json:"indicators"`
		} `json:"result"`
		Error *struct {
			Code        string `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	} `json:"chart"`
}

func (o *FetchOptions) yahoo(ctx context.Context) (*Series, LoadReport, error) {
	q := url.Values{}
	q.Set("period1", strconv.FormatInt(unixDay(o.From)*86400, 10))
	q.Set("period2", strconv.FormatInt((unixDay(o.To)+1)*86400, 10))
	q.Set("interval", "1d")
	q.Set("events", "history")
	q.Set("includeAdjustedClose", "true")
	u := o.BaseURL + "/v8/finance/chart/" + url.PathEscape(o.Symbol) + "?" + q.Encode()
	resp, err := o.get(ctx, u)
	if err != nil {
		return nil, LoadReport{}, err
	}
	var c yahooChart
	jsonErr := json.Unmarshal(resp.body, &c)
	e := c.Chart.Error
	switch {
	case resp.code == http.StatusNotFound && jsonErr == nil && e != nil && e.Description != "":
		return nil, LoadReport{}, o.errorf("%w: %s", ErrUnknownSymbol, e.Description)
	case resp.code == http.StatusNotFound:
		return nil, LoadReport{}, o.errorf("%w: %s", ErrUnknownSymbol, resp.status)
	case resp.code != http.StatusOK:
		return nil, LoadReport{}, resp.httpError(o)
	case jsonErr != nil:
		return nil, LoadReport{}, o.errorf("bad JSON response: %v (starts %q)", jsonErr, snippet(resp.body))
	case e != nil && e.Code == "Not Found":
		return nil, LoadReport{}, o.errorf("%w: %s", ErrUnknownSymbol, e.Description)
	case e != nil:
		return nil, LoadReport{}, o.errorf("yahoo says %s: %s", e.Code, e.Description)
	case len(c.Chart.Result) == 0:
		return nil, LoadReport{}, o.errorf("%w: empty result", ErrUnknownSymbol)
	}
	res := c.Chart.Result[0]
	col := normColumn(o.Column)
	var vals []*float64
	switch {
	case col == "adjclose" && len(res.Indicators.AdjClose) > 0:
		vals = res.Indicators.AdjClose[0]["adjclose"]
	case col != "adjclose" && len(res.Indicators.Quote) > 0:
		vals = res.Indicators.Quote[0][col]
	}
	if vals == nil {
		if len(res.Timestamp) == 0 {
			return nil, LoadReport{}, o.errorf("%w: no days in range", ErrNoRows)
		}
		return nil, LoadReport{}, o.errorf("response has no %q values", o.Column)
	}
	if len(vals) != len(res.Timestamp) {
		return nil, LoadReport{}, o.errorf("bad response: %d timestamps, %d %s values", len(res.Timestamp), len(vals), col)
	}
	s := &Series{Name: o.Source + ":" + o.Symbol}
	var rep LoadReport
	for i, ts := range res.Timestamp {
		t := time.Unix(ts+res.Meta.GMTOffset, 0).UTC()
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		if vals[i] == nil {
			rep.Nulls++
			continue
		}
		v := *vals[i]
		if err := checkPrice(col, v); err != nil {
			return nil, LoadReport{}, o.errorf("%s: %w", d.Format(DateLayout), err)
		}
		s.Dates = append(s.Dates, d)
		s.Values = append(s.Values, v)
	}
	return s, rep, nil
}

func (o *FetchOptions) stooq(ctx context.Context) (*Series, LoadReport, error) {
	if normColumn(o.Column) == "adjclose" {
		return nil, LoadReport{}, o.errorf("%w: stooq serves no adjclose (its close is adjusted)", ErrNoColumn)
	}
	q := url.Values{}
	q.Set("s", o.Symbol)
	q.Set("d1", o.From.Format("20060102"))
	q.Set("d2", o.To.Format("20060102"))
	q.Set("i", "d")
	resp, err := o.get(ctx, o.BaseURL+"/q/d/l/?"+q.Encode())
	if err != nil {
		return nil, LoadReport{}, err
	}
	if resp.code != http.StatusOK {
		return nil, LoadReport{}, resp.httpError(o)
	}
	body := bytes.TrimSpace(resp.body)
	if len(body) == 0 || bytes.EqualFold(body, []byte("No data")) {
		return nil, LoadReport{}, o.errorf("%w: stooq says %q", ErrUnknownSymbol, snippet(body))
	}
	return ReadCSV(bytes.NewReader(body), o.Source+":"+o.Symbol, o.Column)
}

// response is one finished HTTP exchange.
type response struct {
	code     int
	status   string
	body     []byte
	attempts int
}

func (r *response) httpError(o *FetchOptions) error {
	msg := r.status
	if r.attempts > 1 {
		msg += fmt.Sprintf(" (gave up after %d attempts)", r.attempts)
	}
	if s := snippet(r.body); s != "" {
		msg += ": " + s
	}
	return o.errorf("%w %s", ErrHTTP, msg)
}

// get fetches u, retrying 429 and 5xx responses with exponential backoff.
func (o *FetchOptions) get(ctx context.Context, u string) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, retryAfter, err := o.once(ctx, u)
		if err != nil {
			return nil, err
		}
		resp.attempts = attempt
		if resp.code != http.StatusTooManyRequests && resp.code < 500 || attempt > o.Retries {
			return resp, nil
		}
		wait := retryWait(o.Backoff, attempt)
		if retryAfter >= 0 {
			if retryAfter > MaxRetryAfter {
				return nil, o.errorf("%w %s: asks to retry after %v; try later", ErrHTTP, resp.status, retryAfter)
			}
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, o.errorf("%w (while waiting to retry HTTP %s)", ctx.Err(), resp.status)
		case <-t.C:
		}
	}
}

// retryWait is the wait after the given failed attempt (1, 2, ...):
// backoff doubled for each attempt after the first, at most maxBackoff
// (also when the doubling overflows).
func retryWait(backoff time.Duration, attempt int) time.Duration {
	wait := backoff << min(attempt-1, 30)
	if wait <= 0 || wait > maxBackoff {
		return maxBackoff
	}
	return wait
}

// once makes one request; retryAfter is -1 without a Retry-After header.
func (o *FetchOptions) once(ctx context.Context, u string) (resp *response, retryAfter time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, o.errorf("bad URL: %w", err)
	}
	req.Header.Set("User-Agent", o.UserAgent)
	req.Header.Set("Accept", "application/json, text/csv, */*")
	r, err := o.Client.Do(req)
	if err != nil {
		return nil, 0, o.netError(ctx, req.URL.Host, err)
	}
	defer r.Body.Close()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, 0, o.netError(ctx, req.URL.Host, err)
	}
	return &response{code: r.StatusCode, status: r.Status, body: body}, parseRetryAfter(r.Header.Get("Retry-After")), nil
}

// netError says whether a failed exchange timed out, was cancelled, or
// never reached host.
func (o *FetchOptions) netError(ctx context.Context, host string, err error) error {
	if ctx.Err() != nil {
		return o.errorf("%w", ctx.Err())
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return o.errorf("%w after %v: %w", ErrTimeout, o.Timeout, err)
	}
	return o.errorf("%w %s (no network?): %w", ErrUnreachable, host, err)
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP
// date; -1 if absent or unreadable.
func parseRetryAfter(h string) time.Duration {
	if h == "" {
		return -1
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return -1
}

// snippet returns the start of a response body for an error message.
func snippet(b []byte) string {
	r := []rune(strings.Join(strings.Fields(string(b[:min(len(b), 1024)])), " "))
	if len(r) > 120 {
		return string(r[:120]) + "..."
	}
	return string(r)
}
