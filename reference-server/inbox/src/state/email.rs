//! My answers to left messages by email, until the server says it sent
//! them (`ack` or `done`): then a toast names the address. A refusal is
//! the usual error toast.

use super::InboxState;
use baton_protocol::ClientMsgId;

impl InboxState {
    /// I asked the server to email `email` under this id.
    pub(super) fn email_reply_sent(&mut self, client_msg_id: ClientMsgId, email: String) {
        self.email_replies.push((client_msg_id, email));
    }

    /// The server answered request `id`: if it was an email answer, say
    /// where it went (an error answers it too, and says why instead).
    pub(super) fn email_reply_answered(&mut self, id: &ClientMsgId, sent: bool) {
        if let Some(at) = self.email_replies.iter().position(|(r, _)| r == id) {
            let (_, email) = self.email_replies.remove(at);
            if sent {
                self.notify(crate::i18n::fill(crate::i18n::t().email_sent, &[&email]));
            }
        }
    }
}
