// Placeholder: replaced by the page's owner.
export default function JobDetailPage() {
  return <h1>JobDetailPage</h1>;
}
