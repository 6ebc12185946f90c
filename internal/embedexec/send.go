package embedexec

import (
	"errors"
	"fmt"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/client"
	"github.com/batchprompt/batchprompt/internal/clock"
	"github.com/batchprompt/batchprompt/internal/embed"
	"github.com/batchprompt/batchprompt/internal/pace"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/internal/rows"
)

// send sends rs as one request until they have results or the run stops;
// prior is the attempts the rows already had in a larger request that was
// split. It returns the rows of an abandoned request, which have no
// result: they are sent again by the next run.
func (e *Exec) send(rs []request.Request, prior int) (abandoned []request.Request) {
	c := e.cfg
	var tokens int64
	texts := make([]string, len(rs))
	for i, r := range rs {
		tokens += r.Tokens
		texts[i] = r.Text
	}
	if limit := c.tokenCap(); limit > 0 && tokens > limit && len(rs) > 1 {
		return e.split(rs, prior, nil)
	}
	body, err := embed.RequestBody(c.Model, c.Dimensions, texts)
	if err != nil {
		e.fail(rs, func(r request.Request) checkpoint.Row {
			return rows.Failed(r, prior, "render", fmt.Sprintf("%s: %v", r.Pos, err), 0, nil)
		})
		return nil
	}
	attempts, failures := prior, 0
	for {
		permit, err := c.Pacer.Admit(c.Ctx, tokens)
		if err != nil {
			var tl *pace.ErrTooLarge
			if errors.As(err, &tl) {
				return e.split(rs, attempts, func(r request.Request) checkpoint.Row {
					return rows.Failed(r, attempts, "too_large", fmt.Sprintf("%s: %v", r.Pos, err), 0, nil)
				})
			}
			return rs
		}
		if c.Ctx.Err() != nil {
			c.Pacer.Cancel(permit)
			return rs
		}
		settle, ok := e.host.Reserve(tokens)
		if ok && c.Ctx.Err() != nil {
			settle(0, false) // the run stopped while this one reserved
			ok = false
		}
		if !ok {
			c.Pacer.Cancel(permit)
			return rs
		}
		attempts++
		e.host.Event("sent", 1)
		start := c.Clock.Now()
		resp, err := c.Client.Embed(c.SendCtx, c.Model, body)
		latency := c.Clock.Now().Sub(start)
		if err == nil {
			vecs, usage, derr := embed.DecodeResponse(resp.Body, len(rs), e.dims)
			if derr == nil {
				c.Pacer.Done(permit, latency, resp.Header, true)
				e.host.Event("ok", 1)
				billed := usage.PromptTokens
				if billed == 0 {
					billed = tokens // no usage: our count is the best there is
				}
				settle(billed, true)
				e.checkUsage(rs, tokens, billed)
				e.host.Commit(e.answered(rs, vecs, answer{Attempts: attempts, Latency: latency, Status: resp.Status, RequestID: resp.Header.Get("x-request-id")}))
				return nil
			}
			err = &client.DecodeError{Status: resp.Status, Header: resp.Header, Body: resp.Body[:min(len(resp.Body), 1024)], Err: derr}
		}
		h, _ := client.Headers(err)
		c.Pacer.Done(permit, latency, h, false)
		settle(0, false) // failed requests are not billed
		if c.SendCtx.Err() != nil {
			return rs // abandoned after the drain timeout
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
				return rs
			}
		case client.Retry:
			if cl.Kind == "unreachable" && !e.host.HadSuccess() {
				e.host.Stop(cl, err)
				return rs
			}
			failures++
			if e.host.Stalled() {
				return rs
			}
			if failures >= c.MaxAttempts {
				e.fail(rs, func(r request.Request) checkpoint.Row { return rows.GaveUp(r, attempts, cl, err, 0) })
				return nil
			}
			e.host.Event("retry", 1)
			if !clock.Sleep(c.Ctx, c.Clock, client.Backoff(failures, c.BackoffBase, c.BackoffMax, c.Rand())) {
				return rs
			}
		case client.RowError:
			// The API refuses the whole request for one bad input: halve it
			// until the refused row is alone, so the others still succeed.
			return e.split(rs, attempts, func(r request.Request) checkpoint.Row {
				return rows.Failed(r, attempts, cl.Kind, fmt.Sprintf("%s: %v", r.Pos, err), 0, err)
			})
		default: // Fatal, OutOfCredit
			e.host.Stop(cl, err)
			return rs
		}
	}
}

// split sends each half of rs as its own request, in order, or, for a
// single row, commits the row alone makes of it. It returns the rows of
// the halves that were abandoned.
func (e *Exec) split(rs []request.Request, attempts int, alone func(request.Request) checkpoint.Row) []request.Request {
	if len(rs) == 1 {
		e.host.Commit([]checkpoint.Row{alone(rs[0])})
		return nil
	}
	h := len(rs) / 2
	return append(e.send(rs[:h], attempts), e.send(rs[h:], attempts)...)
}

// fail commits one error row per row of rs, made by row, in one commit.
func (e *Exec) fail(rs []request.Request, row func(request.Request) checkpoint.Row) {
	out := make([]checkpoint.Row, len(rs))
	for i, r := range rs {
		out[i] = row(r)
	}
	e.host.Commit(out)
}
