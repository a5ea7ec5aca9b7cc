package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"downtime/config"
	"downtime/probe"
)

// fakeCommands does what it is told and fails when fail is set.
type fakeCommands struct{ fail error }

func (f *fakeCommands) Pause(context.Context, probe.HostID) error  { return f.fail }
func (f *fakeCommands) Resume(context.Context, probe.HostID) error { return f.fail }
func (f *fakeCommands) PauseAll(context.Context) error             { return f.fail }
func (f *fakeCommands) ResumeAll(context.Context) error            { return f.fail }
func (f *fakeCommands) Remove(context.Context, probe.HostID) error { return f.fail }
func (f *fakeCommands) Add(context.Context, config.Host) (probe.HostID, error) {
	return 7, f.fail
}

// TestCommandsAreLogged: issue 10 item 10, "pause, resume, add and remove
// are not in the log (who did what, when)": each command a person gives
// is one line once it is done, none when it failed.
func TestCommandsAreLogged(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		do   func(c *commandLog) error
		want string
	}{
		{"pause", func(c *commandLog) error { return c.Pause(ctx, 3) }, `level=INFO msg="host paused" host=web-01 address=198.18.0.3 by=tui`},
		{"resume", func(c *commandLog) error { return c.Resume(ctx, 3) }, `level=INFO msg="host resumed" host=web-01 address=198.18.0.3 by=tui`},
		{"remove", func(c *commandLog) error { return c.Remove(ctx, 3) }, `level=INFO msg="host removed" host=web-01 address=198.18.0.3 by=tui`},
		{"pause all", func(c *commandLog) error { return c.PauseAll(ctx) }, `level=INFO msg="all hosts paused" by=tui`},
		{"resume all", func(c *commandLog) error { return c.ResumeAll(ctx) }, `level=INFO msg="all hosts resumed" by=tui`},
		{"add", func(c *commandLog) error {
			_, err := c.Add(ctx, config.Host{Name: "lab-1", Address: "tcp://127.0.0.9:22"})
			return err
		}, `level=INFO msg="host added" host=lab-1 address=tcp://127.0.0.9:22 by=tui`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, fail := range []error{nil, errors.New("refused")} {
				var b strings.Builder
				c := &commandLog{next: &fakeCommands{fail: fail}, log: newLogger("text", &b), by: "tui",
					lookup: func(_ context.Context, id probe.HostID) (string, string) {
						if id != 3 {
							t.Errorf("looked up host %d, want 3", id)
						}
						return "web-01", "198.18.0.3"
					}}
				err := tt.do(c)
				switch {
				case fail == nil && (err != nil || !strings.HasPrefix(b.String(), "time=") || !strings.Contains(b.String(), tt.want+"\n")):
					t.Errorf("err %v, log %q; want %q", err, b.String(), tt.want)
				case fail != nil && (err != fail || b.Len() != 0):
					t.Errorf("failed command: err %v, log %q; want the error and no line", err, b.String())
				}
			}
		})
	}
}
