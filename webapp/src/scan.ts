// Reading a payment's QR code: from the camera, frame by frame, or from a photo of it. The browser's
// own BarcodeDetector where it has one (phones), else jsQR (pure JavaScript: the page's policy
// allows no WebAssembly). What a code may hold: this app's payment request link, an EIP-681
// `ethereum:` address, or a bare address.
import jsQR from "jsqr";

const FRAME_MS = 200;
// The form checks an address fully (its checksum) before anything is signed; ethers stays out of
// this chunk, so that the app's own file holds it whole (the service worker caches that file).
const isAddress = (text: string): boolean => /^0x[0-9a-fA-F]{40}$/.test(text);

export type Asked = { to: string; amount: string; ref: string };

/** The browser's own QR reader, where it has one (not in every browser's types yet). */
type Detector = { detect(source: CanvasImageSource): Promise<{ rawValue: string }[]> };
type DetectorClass = new (options: { formats: string[] }) => Detector;

/** The payment a code's text asks for, { to, amount, ref } (missing parts ""), or null. */
export function paymentOf(text: string): Asked | null {
  const value = text.trim();
  const at = value.indexOf("#/pay?");
  if (at !== -1) {
    const params = new URLSearchParams(value.slice(at + "#/pay?".length));
    const to = params.get("to") ?? "";
    return isAddress(to) ? { to, amount: params.get("amount") ?? "", ref: params.get("ref") ?? "" } : null;
  }
  const address = value.replace(/^ethereum:/i, "").split(/[@/?]/)[0];
  return isAddress(address) ? { to: address, amount: "", ref: "" } : null;
}

async function detect(source: HTMLVideoElement | ImageBitmap, canvas: HTMLCanvasElement): Promise<string | null> {
  const Barcode = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (Barcode) {
    const found = await new Barcode({ formats: ["qr_code"] }).detect(source);
    if (found.length) return found[0].rawValue;
  }
  const width = source instanceof HTMLVideoElement ? source.videoWidth : source.width;
  const height = source instanceof HTMLVideoElement ? source.videoHeight : source.height;
  if (!width || !height) return null;
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (context === null) return null;
  context.drawImage(source, 0, 0, width, height);
  const code = jsQR(context.getImageData(0, 0, width, height).data, width, height);
  return code ? code.data : null;
}

/** The text of the QR code in an image file, or null. */
export async function readPhoto(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    return await detect(bitmap, document.createElement("canvas"));
  } finally {
    bitmap.close();
  }
}

/**
 * Films with the back camera into `video` until a code is read: resolves its text, or rejects
 * (no camera, or refused). `stop()` ends it early (resolving null).
 */
export function scanCamera(video: HTMLVideoElement): { done: Promise<string | null>; stop: () => void } {
  const canvas = document.createElement("canvas");
  let stream: MediaStream | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let finish: (text: string | null) => void = () => {};
  const stop = (): void => {
    clearInterval(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
    finish(null);
  };
  const done = new Promise<string | null>((resolve, reject) => {
    finish = resolve;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(async (media) => {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        await video.play();
        timer = setInterval(async () => {
          const text = await detect(video, canvas).catch(() => null);
          if (text !== null) {
            finish(text);
            stop();
          }
        }, FRAME_MS);
      })
      .catch(reject);
  });
  return { done, stop };
}
