// A free-drawing canvas for child mode: finger, pen or mouse; a few colours; start again.
// The picture is kept as a PNG (child-mode.js attaches it to the child's entry as a drawing;
// child-work.js keeps it on the tablet while the child is still drawing).

const LINE_WIDTH = 8;

function pointOf(canvas, event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
}

// Colour buttons hold a swatch painted by the stylesheet: its colour is the pen's.
function chooseColours(context, buttons) {
  const colourOf = (button) => getComputedStyle(button.querySelector('.swatch')).backgroundColor;
  context.strokeStyle = colourOf(buttons[0]);
  for (const button of buttons) {
    button.addEventListener('click', () => {
      context.strokeStyle = colourOf(button);
      buttons.forEach((other) => other.setAttribute('aria-pressed', String(other === button)));
    });
  }
}

export function startDrawing(canvas, colourButtons, clearButton) {
  const context = canvas.getContext('2d');
  Object.assign(context, { lineWidth: LINE_WIDTH, lineCap: 'round', lineJoin: 'round' });
  chooseColours(context, colourButtons);
  let last = null;
  let drew = false;
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    last = pointOf(canvas, event);
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    const next = pointOf(canvas, event);
    context.beginPath();
    context.moveTo(...last);
    context.lineTo(...next);
    context.stroke();
    last = next;
    drew = true;
  });
  for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => { last = null; });
  const clear = () => {
    context.clearRect(0, 0, canvas.width, canvas.height);
    drew = false;
  };
  clearButton.addEventListener('click', clear);
  const picture = () => new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  // A picture kept on the tablet (child-work.js) drawn again, to go on with.
  const redraw = async (blob) => {
    context.drawImage(await createImageBitmap(blob), 0, 0);
    drew = true;
  };
  return { drew: () => drew, clear, picture, redraw };
}
