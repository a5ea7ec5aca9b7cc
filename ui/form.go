package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// addForm is the "add host" form at the bottom of the table: a target and
// an optional name.
type addForm struct {
	c      *common
	target textinput.Model
	name   textinput.Model
	onName bool   // focus is on the name field
	err    string // why the last target was refused
	busy   bool   // a submitted target is being checked
}

func newInput(c *common, prompt, placeholder string) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.PromptStyle = c.styles.Prompt
	ti.PlaceholderStyle = c.styles.Faint
	ti.Cursor.Style = c.styles.Selected
	ti.Cursor.SetMode(cursor.CursorStatic) // no blink: nothing redraws while idle
	ti.CharLimit = 256
	return ti
}

func newAddForm(c *common) addForm {
	return addForm{
		c:      c,
		target: newInput(c, "target: ", "IP, DNS name or tcp://host:port"),
		name:   newInput(c, "name: ", "optional"),
	}
}

// open clears the form and focuses the target.
func (f *addForm) open() {
	f.target.Reset()
	f.name.Reset()
	f.err, f.busy, f.onName = "", false, false
	f.target.Focus()
	f.name.Blur()
}

// focusTarget puts the cursor back in the target field (after a refusal).
func (f *addForm) focusTarget() {
	f.onName = false
	f.target.Focus()
	f.name.Blur()
}

// update handles a key other than submit and cancel.
func (f *addForm) update(k tea.KeyMsg) tea.Cmd {
	if key.Matches(k, f.c.keys.NextField) {
		f.onName = !f.onName
		if f.onName {
			f.target.Blur()
			return f.name.Focus()
		}
		f.name.Blur()
		return f.target.Focus()
	}
	f.err = ""
	var cmd tea.Cmd
	if f.onName {
		f.name, cmd = f.name.Update(k)
	} else {
		f.target, cmd = f.target.Update(k)
	}
	return cmd
}

// narrow is the width below which the fields go on lines of their own.
const narrowForm = 64

// resize fits the fields to the terminal's width.
func (f *addForm) resize(w int) {
	if w < narrowForm {
		f.target.Width = max(4, w-12)
		f.name.Width = max(4, w-10)
		return
	}
	f.target.Width = clamp(w/2-20, 12, 40)
	f.name.Width = clamp(w/4-8, 8, 24)
}

// lines is how many lines the form takes.
func (f *addForm) lines() int {
	if f.c.width < narrowForm {
		return 3
	}
	return 2
}

// view draws the form: the fields, then the refusal or a hint.
func (f *addForm) view(b *strings.Builder) {
	st := &f.c.styles
	w := f.c.width
	title := " " + st.Heading.Render("add") + " "
	if w < narrowForm {
		b.WriteString(ansi.Truncate(title+f.target.View(), w, ""))
		b.WriteString("\n     ")
		b.WriteString(ansi.Truncate(f.name.View(), w-5, ""))
	} else {
		b.WriteString(ansi.Truncate(title+"host  "+f.target.View()+"  "+f.name.View(), w, ""))
	}
	b.WriteByte('\n')
	switch {
	case f.err != "":
		b.WriteString(st.Error.Render(fit(" "+markLost+" "+f.err, w)))
	case f.busy:
		b.WriteString(st.Faint.Render(fit(" checking…", w)))
	default:
		b.WriteString(st.Faint.Render(fit(" ⏎ add and probe now · tab next field · esc cancel", w)))
	}
}
