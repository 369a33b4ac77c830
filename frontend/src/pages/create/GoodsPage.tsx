// Placeholder: replaced by the page's owner.
export default function GoodsPage() {
  return <h1>GoodsPage</h1>;
}
