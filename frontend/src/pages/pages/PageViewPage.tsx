// Placeholder: replaced by the page's owner.
export default function PageViewPage() {
  return <h1>PageViewPage</h1>;
}
