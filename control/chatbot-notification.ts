/**
 * An AWS Chatbot custom notification, pure: Chatbot ignores plain-text SNS messages, so every alert that
 * should reach a chat channel is published with MessageStructure `json`, the text for e-mail under
 * `default` and this JSON under `https` (the protocol Chatbot subscribes with).
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */

/** Characters of the description: a chat message, not a report. */
export const CHATBOT_DESCRIPTION_CHARS = 3500;

/** The SNS Message for e-mail and Chatbot: `{ default: text, https: <custom notification> }`. */
export function emailAndChatbotMessage(input: { subject: string; text: string; description?: string }): string {
  const body = input.description ?? input.text;
  const description =
    body.length <= CHATBOT_DESCRIPTION_CHARS
      ? body
      : `${body.slice(0, CHATBOT_DESCRIPTION_CHARS - 40)}\n... (cut: the e-mail has the rest)`;
  const https = JSON.stringify({
    version: '1.0',
    source: 'custom',
    content: { textType: 'client-markdown', title: input.subject, description },
  });
  return JSON.stringify({ default: input.text, https });
}
