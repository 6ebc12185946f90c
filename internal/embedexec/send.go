package embedexec

import (
	"errors"
	"fmt"

	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
)

// send sends rows as one request until they have results or the run
// stops; prior is the attempts the rows already had in a larger request
// that was split. Rows of an abandoned request are not committed: they
// stay pending in the state database for the next run.
func (e *Exec) send(rows []request.Request, prior int) {
	c := e.cfg
	var tokens int64
	texts := make([]string, len(rows))
	for i, r := range rows {
		tokens += r.Tokens
		texts[i] = r.Text
	}
	if c.TokenCap != nil && len(rows) > 1 {
		if limit := c.TokenCap(); limit > 0 && tokens > limit {
			e.split(rows, prior, nil)
			return
		}
	}
	body, err := embed.RequestBody(c.Model, c.Dimensions, texts)
	if err != nil {
		for _, r := range rows {
			e.host.Failed(r, prior, "render", fmt.Sprintf("%s: %v", r.Pos, err), false, nil)
		}
		return
	}
	attempts, failures := prior, 0
	for {
		permit, err := c.Pacer.Admit(c.Ctx, tokens)
		if err != nil {
			var tl *pace.ErrTooLarge
			if errors.As(err, &tl) {
				e.split(rows, attempts, func(r request.Request) {
					e.host.Failed(r, attempts, "too_large", fmt.Sprintf("%s: %v", r.Pos, err), false, nil)
				})
			}
			return
		}
		if c.Ctx.Err() != nil {
			c.Pacer.Cancel(permit)
			return
		}
		settle, ok := e.host.Reserve(tokens)
		if ok && c.Ctx.Err() != nil {
			settle(0, false) // the run stopped while this one reserved
			ok = false
		}
		if !ok {
			c.Pacer.Cancel(permit)
			return
		}
		attempts++
		e.host.Event("sent", 1)
		start := c.Clock.Now()
		resp, err := c.Client.Embed(c.SendCtx, c.Model, body)
		latency := c.Clock.Now().Sub(start)
		if err == nil {
			vecs, usage, derr := embed.DecodeResponse(resp.Body, len(rows), e.dims)
			if derr == nil {
				c.Pacer.Done(permit, latency, resp.Header, true)
				e.host.Event("ok", 1)
				billed := usage.PromptTokens
				if billed == 0 {
					billed = tokens // no usage: our count is the best there is
				}
				settle(billed, true)
				e.checkUsage(rows, tokens, billed)
				e.host.Answered(rows, vecs, Answer{Attempts: attempts, Latency: latency, Status: resp.Status, RequestID: resp.Header.Get("x-request-id")})
				return
			}
			err = &client.DecodeError{Status: resp.Status, Header: resp.Header, Body: resp.Body[:min(len(resp.Body), 1024)], Err: derr}
		}
		h, _ := client.Headers(err)
		c.Pacer.Done(permit, latency, h, false)
		settle(0, false) // failed requests are not billed
		if c.SendCtx.Err() != nil {
			return // abandoned after the drain timeout
		}
		cl := client.Classify(err, c.Clock.Now())
		switch cl.Verdict {
		case client.RateLimited:
			e.host.Event("throttled", 1)
			wait := cl.Wait
			if wait <= 0 {
				failures++
				wait = client.Backoff(failures, c.BackoffBase, c.BackoffMax, c.Rand())
			}
			c.Pacer.Pause(wait)
			if e.host.Stalled() {
				return
			}
		case client.Retry:
			if cl.Kind == "unreachable" && !e.host.HadSuccess() {
				e.host.Stop(cl, err)
				return
			}
			failures++
			if e.host.Stalled() {
				return
			}
			if failures >= c.MaxAttempts {
				for _, r := range rows {
					e.host.Failed(r, attempts, cl.Kind, fmt.Sprintf("%s: %v (gave up after %d attempts; a rerun retries it)", r.Pos, err, attempts), true, err)
				}
				return
			}
			e.host.Event("retry", 1)
			if !clock.Sleep(c.Ctx, c.Clock, client.Backoff(failures, c.BackoffBase, c.BackoffMax, c.Rand())) {
				return
			}
		case client.RowError:
			// The API refuses the whole request for one bad input: halve it
			// until the refused row is alone, so the others still succeed.
			e.split(rows, attempts, func(r request.Request) {
				e.host.Failed(r, attempts, cl.Kind, fmt.Sprintf("%s: %v", r.Pos, err), false, err)
			})
			return
		default: // Fatal, OutOfCredit
			e.host.Stop(cl, err)
			return
		}
	}
}

// split sends each half of rows as its own request, in order, or, for a
// single row, gives up on it with alone.
func (e *Exec) split(rows []request.Request, attempts int, alone func(request.Request)) {
	if len(rows) == 1 {
		alone(rows[0])
		return
	}
	h := len(rows) / 2
	e.send(rows[:h], attempts)
	e.send(rows[h:], attempts)
}
