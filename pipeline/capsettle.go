package pipeline

import (
	"fmt"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/request"
)

// settle books an answered request's cost against the cap: what the server
// reported, or, when it reported no usage (cost nil), the worst case that
// was reserved. A server that bills more than the request's worst case
// has crossed, or may cross, the cap without our asking: dispatching
// stops at once, and only the requests already in flight can add to it.
func (r *runner) settle(p request.Request, res *budget.Reservation, cost *float64) {
	if res == nil {
		return
	}
	if cost == nil {
		res.Keep()
		return
	}
	if res.Settle(*cost) {
		r.stopWith(BudgetReached, fmt.Errorf("%s: the server billed $%.6f, more than the request's worst case (its prompt and --max-tokens at the model's prices); stopped sending so the cap of $%.2f is not crossed further ($%.6f spent): check the prices (--prices) and the server",
			p.Pos, *cost, r.cap.Limit(), r.cap.Spent()))
	}
}
