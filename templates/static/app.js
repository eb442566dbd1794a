// Small progressive enhancements; every page works without this file.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // Forms that change something irreversible ask first: <form data-confirm="Câu hỏi?">.
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // Print buttons: <button data-print>.
  for (const button of document.querySelectorAll('[data-print]')) {
    button.addEventListener('click', () => window.print());
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
});
