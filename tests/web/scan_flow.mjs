// Paying by scanning a payment request's QR code: the camera is Chromium's fake capture device,
// playing a video of the code; then a photo of a code, and a photo of something that is no payment.
//   node scan_flow.mjs URL KEYSTORE PASSWORD LINK OUT
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import qrcode from "qrcode-generator";
import { drive, openPage, signIn } from "./browser.mjs";

const [url, keystore, password, link, out] = process.argv.slice(2);
const WIDTH = 640;
const HEIGHT = 480;

/** The code of `text` as rows of booleans (dark), with a quiet zone, scaled `scale` times. */
function pixels(text, scale) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  const size = qr.getModuleCount();
  return (x, y) => {
    const col = Math.floor(x / scale) - 4;
    const row = Math.floor(y / scale) - 4;
    return col >= 0 && row >= 0 && col < size && row < size && qr.isDark(row, col);
  };
}

/** A YUV4MPEG2 video of the code, centred, as Chromium's fake camera plays it (in a loop). */
function video(text, file) {
  const dark = pixels(text, 5);
  const luma = Buffer.alloc(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y += 1)
    for (let x = 0; x < WIDTH; x += 1) luma[y * WIDTH + x] = dark(x - 120, y - 40) ? 16 : 235;
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, ...Array(10).fill(frame)]));
}

/** A 24-bit BMP photo of the code (the simplest image file a browser decodes). */
function photo(text, file) {
  const dark = pixels(text, 4);
  const side = 400;
  const row = side * 3;
  const body = Buffer.alloc(row * side);
  for (let y = 0; y < side; y += 1)
    for (let x = 0; x < side; x += 1) body.fill(dark(x, side - 1 - y) ? 0 : 255, y * row + x * 3, y * row + x * 3 + 3);
  const head = Buffer.alloc(54);
  head.write("BM", 0);
  head.writeUInt32LE(54 + body.length, 2);
  head.writeUInt32LE(54, 10);
  head.writeUInt32LE(40, 14);
  head.writeInt32LE(side, 18);
  head.writeInt32LE(side, 22);
  head.writeUInt16LE(1, 26);
  head.writeUInt16LE(24, 28);
  head.writeUInt32LE(body.length, 34);
  writeFileSync(file, Buffer.concat([head, body]));
}

const camera = join(out, "qr-camera.y4m");
video(link, camera);
photo("ethereum:0x00000000000000000000000000000000000000a1@5134420", join(out, "qr-address.bmp"));
photo("bonjour", join(out, "qr-hello.bmp"));
const { browser, page, result, audit } = await openPage(url, out, [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  `--use-file-for-fake-video-capture=${camera}`,
]);
await drive({ browser, page, result }, async () => {
  await page.context().grantPermissions(["camera"], { origin: url });
  await signIn(page, url, keystore, password);
  await page.goto(`${url}/app/#/pay`);
  await page.locator("#scan").click();
  await page.waitForFunction(() => document.getElementById("to").value !== "", null, { timeout: 30_000 });
  result.scanned = [await page.inputValue("#to"), await page.inputValue("#amount"), await page.inputValue("#ref")];
  result.scan_status = await page.locator("#status").innerText();
  result.camera_off = await page.locator("#scan-video").isHidden();
  await audit("scan");
  await page.locator('form button[type="submit"]').click();
  await page.locator("#send").waitFor();
  result.summary = await page.locator("#summary").innerText();
  await page.setInputFiles("#scan-photo", join(out, "qr-address.bmp"));
  await page.waitForFunction(() => document.getElementById("to").value.endsWith("a1"));
  result.photo = [await page.inputValue("#to"), await page.inputValue("#amount")];
  await page.setInputFiles("#scan-photo", join(out, "qr-hello.bmp"));
  await page.locator("#status.error").waitFor();
  result.not_payment = await page.locator("#status").innerText();
});
