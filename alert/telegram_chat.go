package alert

import (
	"context"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Button data: what a button under a DOWN does, then the hosts it acts
// on, one a line. Telegram allows 64 bytes of callback data.
const (
	buttonAck    = "ack"
	buttonMute1h = "mute1h"
	maxButtonLen = 64
)

// buttons is the keyboard under a message that tells hosts are down: Ack
// and Mute 1h, for as many of the hosts as the callback data can name
// (the first ones; a storm's message names them under its first line).
// nil when not even one fits.
func buttons(hosts []string) *tgbotapi.InlineKeyboardMarkup {
	data := func(what string) string {
		s := what
		for _, h := range hosts {
			if len(s)+1+len(h) > maxButtonLen {
				break
			}
			s += "\n" + h
		}
		return s
	}
	ack, mute := data(buttonAck), data(buttonMute1h)
	if ack == buttonAck || mute == buttonMute1h {
		return nil
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("✔ Ack", ack),
		tgbotapi.NewInlineKeyboardButtonData("🔕 Mute 1h", mute),
	))
	return &kb
}

// parseButton splits a button's data into what it does and its hosts.
func parseButton(data string) (what string, hosts []string) {
	parts := strings.Split(data, "\n")
	return parts[0], parts[1:]
}

// Updates long-polls getUpdates: it confirms the updates before offset and
// waits up to timeout for new messages and button presses.
func (t *Telegram) Updates(ctx context.Context, offset int, timeout time.Duration) ([]tgbotapi.Update, error) {
	var ups []tgbotapi.Update
	err := t.call(ctx, "getUpdates", func(bot *tgbotapi.BotAPI) (err error) {
		ups, err = bot.GetUpdates(tgbotapi.UpdateConfig{
			Offset: offset, Limit: 100, Timeout: int(timeout / time.Second),
			AllowedUpdates: []string{"message", "callback_query"},
		})
		return err
	})
	return ups, err
}

// Reply sends an answer (HTML) to chat.
func (t *Telegram) Reply(ctx context.Context, chat int64, text string) error {
	for _, part := range split(text, MaxMessageLen) {
		msg := tgbotapi.NewMessage(chat, part)
		msg.ParseMode, msg.DisableWebPagePreview = tgbotapi.ModeHTML, true
		if err := t.call(ctx, "sendMessage", func(bot *tgbotapi.BotAPI) error {
			_, err := bot.Request(msg)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// AnswerButton answers a button press (the small notice on the presser's
// screen).
func (t *Telegram) AnswerButton(ctx context.Context, id, text string) error {
	return t.call(ctx, "answerCallbackQuery", func(bot *tgbotapi.BotAPI) error {
		_, err := bot.Request(tgbotapi.NewCallback(id, text))
		return err
	})
}

// Edit replaces the text of message id in chat (plain text), keeping
// markup when it is not nil.
func (t *Telegram) Edit(ctx context.Context, chat int64, id int, text string, markup *tgbotapi.InlineKeyboardMarkup) error {
	e := tgbotapi.NewEditMessageText(chat, id, text)
	e.ReplyMarkup = markup
	return t.call(ctx, "editMessageText", func(bot *tgbotapi.BotAPI) error {
		_, err := bot.Request(e)
		return err
	})
}

// WithButtons makes DOWN messages carry the Ack and Mute 1h buttons; set
// it only when something reads the presses ([telegram] commands).
func (t *Telegram) WithButtons() *Telegram { t.buttons = true; return t }
