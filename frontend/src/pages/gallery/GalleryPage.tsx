// Placeholder: replaced by the page's owner.
export default function GalleryPage() {
  return <h1>GalleryPage</h1>;
}
