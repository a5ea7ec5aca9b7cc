package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"downtime/config"
)

// Delivery timing. Telegram allows a chat about one message a second and a
// group or channel 20 a minute; past that it answers 429 with retry_after.
const (
	backoffFirst = time.Second      // the first retry after a network error or a 5xx
	backoffMax   = 30 * time.Second // retries never wait longer, so a message arrives within this of Telegram's return
	holdOff      = 30 * time.Second // after a refusal of the bot or chat, before the next message
	// MaxRetryAfter is the longest a 429's retry_after holds the outbox: a
	// Bot API that asks for an hour (or forever) does not silence alerts.
	MaxRetryAfter = 5 * time.Minute
	keepSent      = 30 * 24 * time.Hour
	pruneEvery    = 24 * time.Hour // while running: in memory (--no-state) sent messages would pile up
)

// outbox delivers messages in the order they were made, at least once.
// Each message is in the store before its first try and is marked sent
// only after Telegram accepted it, so a restart (or a SIGKILL) resumes
// where it stopped. It retries network errors and 5xx with a capped
// backoff, waits exactly retry_after on a 429, and paces itself under
// Telegram's limits. A message refused for good is kept as failed with
// its reason, and the ones after it still go.
type outbox struct {
	store    Store
	notifier Notifier
	clock    Clock
	log      *slog.Logger
	toLog    bool // the notifier writes to the log: no pacing, no "alert sent" lines

	gap       time.Duration // least time between two sends
	perMinute int           // most sends in any minute; 0 = no such limit

	wake chan struct{} // a message was queued

	mu       sync.Mutex
	queue    []Message // pending, oldest first
	failing  string    // why the last try failed; "" after a success
	failed   int       // refused for good since the start
	retryAt  time.Time
	last     Message // the last message made
	sentN    uint64  // delivered since the start
	attemptN uint64  // failed tries since the start, refusals included

	// What the last request found, since when, in a few words; the last
	// alerts made; each queued message's key (parallel to queue), which
	// ties it to its entry in lastMade. See status.go.
	health      Health
	healthSince time.Time
	short       string
	lastMade    recentList
	keys        []uint64
	nextKey     uint64
	check       func(context.Context) error // checks the bot (getMe); nil: cannot

	// run's goroutine only:
	recent   []time.Time         // when the last perMinute sends happened
	prunedAt time.Time           // the last PruneOutbox
	loc      *time.Location      // for the times in notes
	trouble  trouble             // the last run of failed tries (see notes.go)
	lost     map[string]lostDown // hosts whose DOWN was refused for good, until a message about them goes
}

// newOutbox loads the pending messages of st.
func newOutbox(st Store, n Notifier, clk Clock, log *slog.Logger, toLog bool, loc *time.Location) (*outbox, error) {
	o := &outbox{store: st, notifier: n, clock: clk, log: log, toLog: toLog, wake: make(chan struct{}, 1),
		loc: loc, lost: make(map[string]lostDown)}
	if o.loc == nil {
		o.loc = time.UTC
	}
	if p, ok := n.(interface {
		pace() (time.Duration, int)
	}); ok && !toLog {
		o.gap, o.perMinute = p.pace()
	}
	pending, err := st.PendingOutbox()
	if err != nil {
		return nil, fmt.Errorf("read the alert outbox: %w", err)
	}
	if toLog {
		o.health = HealthOff
	} else {
		o.health = HealthOK
	}
	if toLog && len(pending) > 0 {
		// Made for Telegram by an earlier run: they stay in the outbox
		// for a start with Telegram configured (a missing token file or
		// environment must not turn them into log lines marked sent).
		what := fmt.Sprintf("%d alerts wait", len(pending))
		if len(pending) == 1 {
			what = "1 alert waits"
		}
		log.Warn(what+" for Telegram, which is not configured", "queued", len(pending),
			"fix", "set [telegram] token and chat_id (or "+config.EnvToken+") and restart: they go out then")
		return o, nil
	}
	o.queue = pending
	for _, m := range pending {
		o.lastMade.add(m, o.newKey())
	}
	return o, nil
}

// commit writes msgs and the outage records in one transaction, then
// queues the messages. A message too long for Telegram becomes one message
// a part, each kept on its own. When the store fails the messages are
// still sent (an alert matters more than the state file) and the failure
// is logged.
func (o *outbox) commit(msgs []Message, save []HostAlert, drop []string) {
	if len(msgs) == 0 && len(save) == 0 && len(drop) == 0 {
		return
	}
	msgs = splitLong(msgs)
	ids, err := o.store.AddOutbox(msgs, save, drop)
	if err != nil {
		o.log.Error("alert not saved", "err", err, "kind", kinds(msgs), "hosts", hostList(msgs))
		ids = nil
	}
	if len(msgs) == 0 {
		return
	}
	o.mu.Lock()
	for i, m := range msgs {
		if i < len(ids) {
			m.ID = ids[i]
		}
		o.queue = append(o.queue, m)
		o.lastMade.add(m, o.newKey())
	}
	o.last = msgs[len(msgs)-1]
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// status reports the channel's state.
func (o *outbox) status() Status {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := Status{State: StateOK, Queued: len(o.queue), Failed: o.failed,
		Health: o.health, Since: o.healthSince, Short: o.short, Recent: o.lastMade.newestFirst()}
	if o.last.Text != "" {
		s.Last, _, _ = strings.Cut(plainText(o.last.Text), "\n")
		s.LastAt = o.last.Made
	}
	switch {
	case o.toLog:
		s.State = StateOff
	case o.failing != "":
		s.State, s.Reason, s.RetryAt = StateFailing, o.failing, o.retryAt
	case len(o.queue) > 0:
		s.State = StateQueued
	}
	return s
}

// run sends until ctx ends. A message whose try ctx cut short stays
// pending for the next start.
func (o *outbox) run(ctx context.Context) {
	var next time.Time // no try before this
	backoff := time.Duration(0)
	for {
		o.prune()
		if _, ok := o.head(); !ok {
			var recheck <-chan time.Time
			if o.recheckDue() {
				recheck = o.clock.After(recheckEvery)
			}
			select {
			case <-ctx.Done():
				return
			case <-o.wake:
				continue
			case <-recheck:
				o.recheck(ctx)
				continue
			}
		}
		now := o.clock.Now().Round(0) // wall clock, as every age (see Dispatcher.now)
		if at := o.limitAt(now); at.After(next) {
			next = at
		}
		if wait := next.Sub(now); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-o.clock.After(wait):
			}
			continue
		}

		m, folded := o.fold(now)
		err := o.notifier.Send(ctx, o.withNotes(m, now))
		now = o.clock.Now().Round(0)
		if err != nil && ctx.Err() != nil {
			return // shutting down cut the try short: it stays pending
		}
		// Accepted, even if ctx ended meanwhile: it is marked sent, so that
		// it does not go a second time after the restart.
		o.sent(now)
		var apiErr *APIError
		switch {
		case err == nil:
			backoff = 0
			next = now.Add(o.gap)
			o.done(m, folded, now, nil)
			o.noteSent(m, now)
			if !o.toLog {
				attrs := []any{"hosts", hostsAttr(m.Hosts), "kind", m.Kind}
				if m.Attempts > 0 {
					attrs = append(attrs, "attempts", m.Attempts+1)
				}
				if len(folded) > 0 {
					attrs = append(attrs, "folded", len(folded))
				}
				o.log.Info("alert sent", attrs...)
			}

		case errors.As(err, &apiErr) && apiErr.Code == 429:
			// Exactly retry_after: sooner is refused again, later is a
			// needless delay. Without one (not Telegram's way), back off.
			wait := apiErr.RetryAfter
			if wait <= 0 {
				backoff = nextBackoff(backoff)
				wait = backoff
			}
			if wait > MaxRetryAfter {
				o.log.Warn("telegram asked to wait longer than the ceiling: retrying sooner", "retry_after", wait.String(), "ceiling", MaxRetryAfter.String())
				wait = MaxRetryAfter
			}
			next = now.Add(wait)
			o.noteFailed(m, now, err, false)
			o.retry(m, now, next, err, wait)

		case errors.As(err, &apiErr) && apiErr.Refused():
			// Refused for good: kept as failed, never retried. A refusal of
			// the bot or the chat (bad token, bot removed, chat not found)
			// would meet the next message too: it waits holdOff, so that a
			// broken config costs one request per holdOff, not a burst, and
			// the messages made once someone fixes it still go.
			// The log line says so (kept=, never retry_in=), and when the
			// next message goes. A refused DOWN is named by the next
			// message about its hosts (see lostNote).
			backoff = 0
			attrs := []any{"err", err.Error(), "hosts", hostsAttr(m.Hosts), "kind", m.Kind, "kept", "failed, not retried"}
			wait := o.gap
			if !apiErr.aboutMessage() {
				wait = holdOff
				attrs = append(attrs, "next_alert_in", wait.String(), "fix", refusalFix)
			}
			next = now.Add(wait)
			o.done(m, folded, now, err)
			o.noteFailed(m, now, err, true)
			o.log.Error("alert delivery failed", attrs...)

		default:
			// A network error or a 5xx: retried with a capped backoff.
			backoff = nextBackoff(backoff)
			next = now.Add(backoff)
			o.noteFailed(m, now, err, false)
			o.retry(m, now, next, err, backoff)
		}
	}
}

// fold is the head of the queue as it goes now, with the queue indexes of
// the messages it stands for besides itself (see foldEnded).
func (o *outbox) fold(now time.Time) (Message, []int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.foldEnded(now)
}

// prune deletes the messages sent or given up more than keepSent ago: at
// the start, then once every pruneEvery.
func (o *outbox) prune() {
	now := o.clock.Now()
	if !o.prunedAt.IsZero() && now.Sub(o.prunedAt) < pruneEvery {
		return
	}
	o.prunedAt = now
	if err := o.store.PruneOutbox(now.Add(-keepSent)); err != nil {
		o.log.Warn("old alerts not pruned", "err", err)
	}
}

// refusalFix is the fix= of a refusal of the bot or the chat.
const refusalFix = "check [telegram] token and chat_id, and that the bot is still in the chat; then run: downtime telegram test -c CONFIG"

func nextBackoff(b time.Duration) time.Duration {
	if b <= 0 {
		return backoffFirst
	}
	return min(2*b, backoffMax)
}

// counts returns the delivered messages, the queued ones and the failed
// tries since the start.
func (o *outbox) counts() (sent uint64, queued int, failed uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sentN, len(o.queue), o.attemptN
}

// head is the oldest pending message.
func (o *outbox) head() (Message, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.queue) == 0 {
		return Message{}, false
	}
	return o.queue[0], true
}

// done takes the head off the queue, and the messages folded into it
// (their queue indexes): sent when sendErr is nil, failed else.
func (o *outbox) done(m Message, folded []int, now time.Time, sendErr error) {
	reason := ""
	if sendErr != nil {
		reason = sendErr.Error()
	}
	o.mu.Lock()
	ids := []int64{m.ID}
	for _, i := range folded {
		ids = append(ids, o.queue[i].ID)
	}
	o.mu.Unlock()
	for _, id := range ids {
		if id == 0 {
			continue
		}
		var err error
		if reason == "" {
			err = o.store.MarkSent(id, now)
		} else {
			err = o.store.MarkFailed(id, now, reason)
		}
		if err != nil {
			// It may go again after a restart: at least once, as promised.
			o.log.Error("alert state not saved", "err", err)
		}
	}
	o.mu.Lock()
	// Only run takes messages off the queue and commit only appends, so
	// the indexes still hold.
	delivery := DeliverySent
	if sendErr != nil {
		delivery = DeliveryFailed
	}
	for k := len(folded) - 1; k >= 0; k-- {
		i := folded[k]
		o.queue = slices.Delete(o.queue, i, i+1)
		if i < len(o.keys) {
			o.lastMade.update(o.keys[i], delivery, now, reason)
			o.keys = slices.Delete(o.keys, i, i+1)
		}
	}
	o.queue = o.queue[1:]
	if len(o.keys) > 0 {
		o.lastMade.update(o.keys[0], delivery, now, reason)
		o.keys = o.keys[1:]
	}
	o.setHealth(sendErr, now)
	if reason == "" {
		o.failing, o.retryAt = "", time.Time{}
		if !o.toLog {
			o.sentN++
		}
	} else {
		o.failing = reason
		o.failed++
		o.attemptN++
	}
	o.mu.Unlock()
}

// retry keeps the head for another try at next.
func (o *outbox) retry(m Message, now, next time.Time, err error, wait time.Duration) {
	if m.ID != 0 {
		if serr := o.store.RecordAttempt(m.ID, now, err.Error()); serr != nil {
			o.log.Error("alert state not saved", "err", serr)
		}
	}
	o.mu.Lock()
	if len(o.queue) > 0 {
		o.queue[0].Attempts++
	}
	if len(o.keys) > 0 {
		o.lastMade.update(o.keys[0], DeliveryQueued, now, err.Error())
	}
	o.setHealth(err, now)
	o.failing, o.retryAt = err.Error(), next
	o.attemptN++
	o.mu.Unlock()
	attrs := []any{"err", err.Error(), "retry_in", wait.String(), "hosts", hostsAttr(m.Hosts), "kind", m.Kind}
	if errors.Is(err, ErrOutcomeUnknown) {
		attrs = append(attrs, "outcome", "unknown: it may arrive twice")
	}
	o.log.Error("alert delivery failed", attrs...)
}

// limitAt is the earliest time the per-minute limit allows a send.
func (o *outbox) limitAt(now time.Time) time.Time {
	if o.perMinute <= 0 || len(o.recent) < o.perMinute {
		return time.Time{}
	}
	return o.recent[len(o.recent)-o.perMinute].Add(time.Minute)
}

// sent remembers a try for the per-minute limit. Refused and failed tries
// count too: Telegram counts requests, not successes.
func (o *outbox) sent(now time.Time) {
	if o.perMinute <= 0 {
		return
	}
	o.recent = append(o.recent, now)
	if len(o.recent) > o.perMinute {
		o.recent = o.recent[len(o.recent)-o.perMinute:]
	}
}

// newKey is the key of the next message queued.
func (o *outbox) newKey() uint64 {
	o.nextKey++
	o.keys = append(o.keys, o.nextKey)
	return o.nextKey
}

// recheck asks the bot whether the Bot API answers again.
func (o *outbox) recheck(ctx context.Context) {
	cctx, cancel := context.WithTimeout(ctx, recheckTimeout)
	defer cancel()
	err := o.check(cctx)
	if ctx.Err() != nil {
		return // shutting down
	}
	o.checked(err, o.clock.Now())
}

// recheckTimeout bounds one check of the bot while unreachable.
const recheckTimeout = 15 * time.Second
