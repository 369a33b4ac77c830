// Placeholder: replaced by the page's owner.
export default function ProductPageWizard() {
  return <h1>ProductPageWizard</h1>;
}
