// Small progressive enhancements; every page works without this file.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // Forms that change something irreversible ask first: <form data-confirm="Câu hỏi?">.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // Print buttons: <button data-print hidden>, shown only here since without this script they do nothing.
  for (const button of document.querySelectorAll('[data-print]')) {
    button.addEventListener('click', () => window.print());
    button.hidden = false;
  }
  // Live letter preview: the iframe named by data-preview-target loads data-preview-url with the
  // form's fields, a moment after the officer stops typing. (A real URL rather than srcdoc: the
  // letter's own styles are allowed on that response only.)
  for (const form of document.querySelectorAll('form[data-preview-url]')) {
    const frame = document.getElementById(form.dataset.previewTarget);
    if (!frame) continue;
    let timer = null;
    const refresh = () => {
      const fields = new URLSearchParams(new FormData(form));
      fields.delete('_csrf');
      frame.src = `${form.dataset.previewUrl}?${fields}`;
    };
    form.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }
  // Upload of a file as the request body (the server has no multipart parser): <form
  // data-upload="/url"> with one file input; the answer names the page to go to.
  for (const form of document.querySelectorAll('form[data-upload]')) {
    const input = form.querySelector('input[type="file"]');
    const status = document.getElementById('upload-status');
    const box = document.getElementById('upload-error');
    const button = form.querySelector('button[type="submit"]');
    const showError = (message) => {
      if (!box) return window.alert(message);
      box.querySelector('p').textContent = message;
      box.hidden = false;
      if (status) status.textContent = '';
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const file = input && input.files[0];
      if (!file) return showError('Chưa chọn tệp để nhập');
      if (box) box.hidden = true;
      if (status) status.textContent = 'Đang tải tệp lên…';
      button.disabled = true;
      try {
        const res = await fetch(form.dataset.upload, {
          method: 'POST',
          body: file,
          credentials: 'same-origin',
          headers: {
            'Content-Type': file.type || 'application/octet-stream',
            'X-CSRF-Token': form.querySelector('input[name="_csrf"]').value,
            'X-File-Name': encodeURIComponent(file.name),
            Accept: 'application/json',
          },
        });
        const answer = await res.json().catch(() => ({}));
        if (res.ok && answer.url) return window.location.assign(answer.url);
        showError(answer.title || 'Không tải được tệp lên; vui lòng thử lại');
      } catch {
        showError('Mất kết nối khi tải tệp lên; vui lòng thử lại');
      } finally {
        button.disabled = false;
      }
    });
  }
});
