// The chat page's streaming: posts the question, reads the server-sent events (thread, token..., done) and shows the
// tokens as plain text while they arrive; the finished answer is the server's rendered HTML (safe Markdown, citations).
// Without this script the form posts normally and the page reloads with the answer.
(() => {
  const form = document.getElementById('ask');
  if (!form || !window.fetch || !window.TextDecoder || !window.ReadableStream) return;
  const turns = document.getElementById('turns');
  const box = form.querySelector('textarea');
  const button = form.querySelector('button[type=submit]');
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  box.addEventListener('keydown', e => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });

  form.addEventListener('submit', async e => {
    e.preventDefault();
    const message = box.value.trim();
    if (!message || button.disabled) return;
    button.disabled = true;
    box.readOnly = true;
    document.querySelector('#turns .empty')?.remove();

    const pending = document.createElement('article');
    pending.className = 'turn pending';
    const question = document.createElement('div');
    question.className = 'question';
    const q = document.createElement('p');
    q.textContent = message;
    question.append(q);
    const answer = document.createElement('div');
    answer.className = 'answer streaming';
    answer.setAttribute('aria-busy', 'true');
    const text = document.createElement('div');
    text.className = 'stream';
    answer.append(text);
    pending.append(question, answer);
    turns.append(pending);
    pending.scrollIntoView({ block: 'end' });

    const body = new URLSearchParams(new FormData(form));
    const handle = raw => {
      let name = 'message', data = '';
      for (const line of raw.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '');
      }
      const d = data ? JSON.parse(data) : {};
      if (name === 'thread') {
        form.elements.thread.value = d.id;
        if (location.pathname !== d.url) {
          history.replaceState(null, '', d.url);
          document.title = d.title + ' · Lore';
          document.body.dispatchEvent(new Event('lore-threads'));
        }
      } else if (name === 'token') {
        text.textContent += d.text;
      } else if (name === 'done') {
        const t = document.createElement('template');
        t.innerHTML = d.html;
        const turn = t.content.firstElementChild;
        pending.replaceWith(turn);
        if (window.htmx) window.htmx.process(turn);
      } else if (name === 'error') {
        text.textContent += '\n' + d.detail;
        answer.classList.add('error');
      }
    };
    try {
      const res = await fetch(form.action, {
        method: 'POST', credentials: 'same-origin', body,
        headers: { 'Accept': 'text/event-stream', 'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded' }
      });
      if (!res.ok) throw new Error('the server answered ' + res.status + (res.status === 401 || res.status === 302 ? ' (sign in again)' : ''));
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\r/g, '');
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (raw.trim()) handle(raw);
        }
      }
      if (buffer.trim()) handle(buffer);
    } catch (err) {
      text.textContent += '\n[' + err.message + ']';
      answer.classList.add('error');
    } finally {
      answer.classList.remove('streaming');
      answer.removeAttribute('aria-busy');
      button.disabled = false;
      box.readOnly = false;
      box.value = '';
      box.focus();
    }
  });
})();
